"""Delivery between real nodes on PostgreSQL and Redis: exactly once through crashes, a wiped
queue, a permanent failure a person retries, and the receipts that prove it all."""

from __future__ import annotations

import time
from collections import Counter

import pytest
from redis import Redis
from sqlalchemy import select

from exchange.federation import outbox as outbox_service
from exchange.federation.models import InboundEnvelope, OutboundEnvelope, OutboxState
from exchange.federation.outbound import send_message
from protocols.v1.receipt import parse_receipt_bytes, verify_receipt
from tests.integration.helpers import engine, inbox_ids, outbox_states, service, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.processes]

# Short leases and requeue delays so a crash is recovered from in seconds, not minutes.
FAST = {"EXCHANGE_LEASE": "4", "EXCHANGE_REQUEUE_AFTER": "3", "EXCHANGE_RETRY_MAX": "4"}


def _sender(node):
    app, built = service(node, **FAST)
    sent: list[str] = []

    def send(count: int, recipient: str = "RS") -> None:
        with app.app_context():
            for _ in range(count):
                with built.transaction() as session:
                    row = send_message(
                        built,
                        session,
                        recipient=recipient,
                        message_type="status.query",
                        body={"our_reference": f"KT-{len(sent)}/26", "question": "Статус?", "language": "sr-Cyrl"},
                    )
                sent.append(row.id)

    return app, built, send, sent


def test_200_messages_arrive_exactly_once_while_processes_are_killed(cluster):
    federation = cluster(("BA", "RS"), settings=FAST)
    ba, rs = federation.nodes["BA"], federation.nodes["RS"]
    _app, built, send, sent = _sender(ba)

    send(50)
    ba.stop("worker", kill=True)  # the sender's worker dies in the middle of delivering
    send(50)
    ba.start_worker()
    time.sleep(0.5)
    rs.stop("web", kill=True)  # the receiver's web processes die while requests are in flight
    send(50)
    time.sleep(1)
    rs.start_web()
    rs.wait_healthy()
    ba.stop("worker", kill=True)
    ba.start_worker()
    send(50)

    wait_for(lambda: set(outbox_states(ba).values()) == {OutboxState.DELIVERED}, timeout=120)

    received = Counter(inbox_ids(rs))
    assert sum(received.values()) == 200
    assert set(received) == set(sent)
    assert max(received.values()) == 1
    directory = built.directory.current()
    with engine(ba).connect() as sender_db, engine(rs).connect() as receiver_db:
        stored = dict(receiver_db.execute(select(InboundEnvelope.message_id, InboundEnvelope.receipt)).all())
        rows = sender_db.execute(
            select(OutboundEnvelope.id, OutboundEnvelope.envelope_sha256, OutboundEnvelope.receipt)
        )
        for row in rows:
            receipt = parse_receipt_bytes(row.receipt)
            verify_receipt(receipt, directory, receiver="RS", envelope_id=row.id, envelope_sha256=row.envelope_sha256)
            # The sender holds exactly the receipt the receiver issued the first time.
            assert row.receipt == stored[row.id]


def test_a_wiped_queue_loses_nothing(cluster, redis_url):
    federation = cluster(("BA", "RS"), settings=FAST)
    ba = federation.nodes["BA"]
    ba.stop("worker")
    _app, _built, send, sent = _sender(ba)
    send(20)
    Redis.from_url(redis_url).flushdb()  # every queued job is gone
    ba.start_worker()
    wait_for(lambda: set(outbox_states(ba).values()) == {OutboxState.DELIVERED}, timeout=60)
    assert sorted(inbox_ids(federation.nodes["RS"])) == sorted(sent)


def test_permanent_failure_is_visible_and_a_person_can_retry(cluster):
    federation = cluster(("BA", "RS"), settings={**FAST, "EXCHANGE_GIVE_UP_AFTER": "3"})
    ba, rs = federation.nodes["BA"], federation.nodes["RS"]
    rs.stop("web")
    rs.stop("worker")
    _app, built, send, sent = _sender(ba)
    send(1)
    wait_for(lambda: outbox_states(ba)[sent[0]] == OutboxState.FAILED, timeout=30)
    failed = outbox_service.get_envelope(built, sent[0])
    assert "gave up" in failed.last_error
    assert "ConnectionError" in failed.last_error
    listing = ba.cli("outbox", "list", "--state", "failed").stdout
    assert sent[0] in listing
    assert "gave up" in listing
    rs.start()
    retried = ba.cli("outbox", "retry", sent[0])
    assert retried.returncode == 0
    wait_for(lambda: outbox_states(ba)[sent[0]] == OutboxState.DELIVERED, timeout=30)
    assert inbox_ids(rs) == sent
    status = ba.cli("outbox", "status").stdout
    assert "1 delivered" in status


def test_a_peer_coming_back_is_flushed_without_waiting_for_the_backoff(cluster):
    """Queued messages go out as soon as the peer shows life, not at the next scheduled retry.

    The first failure backs off for at least 15 s (base 30 s, jittered over its upper half); the
    wait below is shorter, so only the probe and the flush can deliver in time.
    """
    federation = cluster(("BA", "RS"), settings={**FAST, "EXCHANGE_RETRY_BASE": "30", "EXCHANGE_RETRY_MAX": "3600"})
    ba, rs = federation.nodes["BA"], federation.nodes["RS"]
    rs.stop("web")
    _app, _built, send, _sent = _sender(ba)
    send(10)
    wait_for(lambda: "ConnectionError" in (ba.cli("outbox", "status").stdout), timeout=20)
    assert set(outbox_states(ba).values()) == {OutboxState.PENDING}
    rs.start_web()
    rs.wait_healthy()
    took = wait_for(lambda: set(outbox_states(ba).values()) == {OutboxState.DELIVERED}, timeout=12, interval=0.1)
    print(f"delivered {took:.2f}s after RS came back")


def test_a_batch_refused_for_its_size_is_sent_one_by_one(cluster):
    """RS takes requests of at most 6 KiB: a batch of five ~2 KiB envelopes is refused as a whole,
    each envelope alone fits; an envelope that can never fit becomes `rejected`, not retried."""
    federation = cluster(("BA", "RS"), settings=FAST, per_node={"RS": {"EXCHANGE_MAX_REQUEST_BYTES": "6144"}})
    ba, rs = federation.nodes["BA"], federation.nodes["RS"]
    ba.stop("worker")  # let the five queue up, so they leave as one batch
    app, built, _send, _sent = _sender(ba)
    ids = []
    with app.app_context():
        for number in range(5):
            with built.transaction() as session:
                body = {"our_reference": f"KT-{number}", "question": "Q" * 700, "language": "en"}
                ids.append(send_message(built, session, recipient="RS", message_type="status.query", body=body).id)
        with built.transaction() as session:
            huge = {"our_reference": "KT-huge", "question": "Q" * 8000, "language": "en"}
            ids.append(send_message(built, session, recipient="RS", message_type="status.query", body=huge).id)
    ba.start_worker()
    wait_for(lambda: OutboxState.PENDING not in outbox_states(ba).values(), timeout=60)
    states = outbox_states(ba)
    assert [states[i] for i in ids[:5]] == [OutboxState.DELIVERED] * 5
    assert states[ids[5]] == OutboxState.REJECTED
    assert outbox_service.get_envelope(built, ids[5]).reject_reason == "payload_too_large"
    assert sorted(inbox_ids(rs)) == sorted(ids[:5])
