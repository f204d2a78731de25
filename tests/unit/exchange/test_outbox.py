"""Outbox rules on one node in-process, with the clock in the test's hands.

RS is listed in the directory at a loopback port nothing listens on, so every delivery attempt
fails at once with a connection error, as it does when a peer is down.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from crypto.keyfile import MINIMUM_COST
from exchange import create_app, migrate
from exchange.clock import ManualClock
from exchange.config import Settings
from exchange.demo.localnet import free_port
from exchange.errors import Conflict
from exchange.federation import liveness
from exchange.federation import outbox as outbox_service
from exchange.federation.models import OutboundEnvelope, OutboxState, Peer
from exchange.federation.outbound import send_message
from exchange.federation.replay import forget_expired_nonces, remember_nonce
from exchange.federation.sweeper import sweep
from exchange.setup import init_node_home
from protocols.v1 import directory as d
from tests.factories import T0

BODY = {"our_reference": "KT-1/26", "question": "Статус?", "language": "sr-Cyrl"}


@pytest.fixture
def ba(tmp_path):
    clock = ManualClock(T0)
    homes = {}
    for node_id in ("BA", "RS"):
        homes[node_id] = init_node_home(
            tmp_path / node_id,
            node_id=node_id,
            endpoint=f"http://127.0.0.1:{free_port()}",
            passphrase="pw",
            now=T0 - timedelta(days=1),
            cost=MINIMUM_COST,
        )
    governance = [homes["BA"].signing]
    document = d.unsigned_document(
        federation="unit",
        version=1,
        issued=T0 - timedelta(hours=1),
        expires=T0 + timedelta(days=365),
        governance=d.Governance(1, (d.GovernanceKey(governance[0].kid, governance[0].public, "unit"),)),
        nodes=[homes["BA"].entry, homes["RS"].entry],
    )
    settings = Settings.from_env(
        {
            "EXCHANGE_HOME": str(tmp_path / "BA"),
            "EXCHANGE_KEY_PASSPHRASE": "pw",
            "EXCHANGE_LOG_LEVEL": "WARNING",
            "EXCHANGE_GIVE_UP_AFTER": str(3 * 86400),
            "EXCHANGE_ENVELOPE_TTL": str(14 * 86400),
        }
    )
    app = create_app(settings, clock=clock)
    node = app.extensions["exchange.node"]
    migrate.upgrade(node.db.engine)
    node.directory.install_anchor(d.add_signatures(document, governance))
    with app.app_context():
        yield app, node, clock
    node.queue.shutdown()


def _send(node, **kwargs):
    with node.transaction() as session:
        row = send_message(node, session, recipient="RS", message_type="status.query", body=BODY, **kwargs)
    node.queue.drain()
    return row.id


def _row(node, envelope_id) -> OutboundEnvelope:
    return outbox_service.get_envelope(node, envelope_id)


def _peer(node) -> Peer | None:
    with node.db.sessions() as session:
        return session.get(Peer, "RS")


def test_nothing_is_queued_or_sent_when_the_transaction_rolls_back(ba):
    _app, node, _clock = ba

    def business_change_that_fails() -> None:
        with node.transaction() as session:
            send_message(node, session, recipient="RS", message_type="status.query", body=BODY)
            raise RuntimeError("the business change failed")

    with pytest.raises(RuntimeError):
        business_change_that_fails()
    node.queue.drain()
    with node.db.sessions() as session:
        assert session.scalars(select(OutboundEnvelope)).all() == []
    assert _peer(node) is None  # no delivery was attempted


def test_a_committed_message_is_attempted_after_commit_and_backs_off(ba):
    _app, node, clock = ba
    envelope_id = _send(node)
    row = _row(node, envelope_id)
    assert row.state == OutboxState.PENDING
    assert row.attempts == 1
    assert "ConnectionError" in row.last_error
    peer = _peer(node)
    assert peer.failures == 1
    # First backoff: somewhere in the upper half of the base delay (1 s), jittered.
    assert clock.now() + timedelta(seconds=0.5) <= peer.retry_at <= clock.now() + timedelta(seconds=1)
    assert row.next_attempt_at == peer.retry_at


def test_backoff_grows_and_is_capped(ba):
    _app, node, _clock = ba
    settings = node.settings
    delays = [liveness.backoff(settings, n).total_seconds() for n in range(1, 30)]
    assert all(0.5 * min(2 ** (n - 1), 3600) <= delay <= min(2 ** (n - 1), 3600) for n, delay in enumerate(delays, 1))
    assert max(delays) <= settings.retry_max.total_seconds()


def test_the_sweeper_probes_a_peer_in_backoff_instead_of_resending(ba):
    _app, node, clock = ba
    _send(node)
    report = sweep(node)
    assert not report.requeued
    assert report.probed == ["RS"]
    node.queue.drain()
    clock.advance(timedelta(seconds=2))
    report = sweep(node)
    assert report.requeued["RS"] == 1


def test_give_up_after_the_limit_and_a_person_retries(ba):
    _app, node, clock = ba
    envelope_id = _send(node)
    clock.advance(timedelta(days=3, seconds=1))
    report = sweep(node)
    node.queue.drain()
    assert report.gave_up == 1
    row = _row(node, envelope_id)
    assert row.state == OutboxState.FAILED
    assert row.last_error.startswith("gave up after")
    assert "undeliverable for too long" in row.last_error
    outbox_service.retry(node, envelope_id)
    node.queue.drain()
    row = _row(node, envelope_id)
    assert row.state == OutboxState.PENDING
    assert row.attempts == 2


def test_an_expired_envelope_cannot_be_retried(ba):
    _app, node, clock = ba
    envelope_id = _send(node)
    clock.advance(timedelta(days=15))
    sweep(node)
    node.queue.drain()
    row = _row(node, envelope_id)
    assert row.state == OutboxState.FAILED
    assert "expired before" in row.last_error
    with pytest.raises(Conflict, match="sent again as a new message"):
        outbox_service.retry(node, envelope_id)


def test_a_sign_of_life_clears_the_backoff_and_flushes(ba):
    _app, node, clock = ba
    envelope_id = _send(node)
    assert _peer(node).retry_at is not None
    with node.transaction() as session:
        liveness.peer_seen(session, "RS", clock.now())
    node.queue.drain()
    row = _row(node, envelope_id)
    assert row.attempts == 2  # the flush tried again at once, not after the backoff
    assert _peer(node).failures == 1  # ... and failed again, since RS is still unreachable


def test_nonces_are_single_use_until_they_expire(ba):
    _app, node, clock = ba
    assert remember_nonce(node.db, "ed25519:key", "nonce-1", clock.now() + timedelta(seconds=60))
    assert not remember_nonce(node.db, "ed25519:key", "nonce-1", clock.now() + timedelta(seconds=60))
    assert remember_nonce(node.db, "ed25519:other", "nonce-1", clock.now() + timedelta(seconds=60))
    assert forget_expired_nonces(node.db, clock.now() + timedelta(minutes=5)) == 2


def test_a_node_does_not_send_to_itself(ba):
    _app, node, _clock = ba
    from protocols.errors import ProtocolError

    with pytest.raises(ProtocolError), node.transaction() as session:
        send_message(node, session, recipient="BA", message_type="status.query", body=BODY)


def _answer(node, envelope_id, receipt, *, status=200, sent_digest="sha-256=:abc=:"):
    from exchange.federation.delivery import Claimed
    from exchange.federation.transport import PeerResponse

    row = _row(node, envelope_id)
    return PeerResponse(status, receipt.to_json(), None, sent_digest), [
        Claimed(row.id, row.envelope, row.envelope_sha256)
    ]


def _rs_signing(tmp_path):
    from crypto.keyfile import decrypt_private_key

    return decrypt_private_key((tmp_path / "RS" / "keys" / "signing.key").read_bytes(), "pw")


def test_a_whole_request_rejection_counts_only_for_the_request_it_names(ba, tmp_path):
    """A signed rejection captured from another exchange must not finally refuse our envelopes."""
    from exchange.federation import delivery
    from exchange.federation.transport import TransportError
    from protocols.errors import Reason
    from protocols.v1.receipt import Status, issue_receipt

    _app, node, clock = ba
    envelope_id = _send(node)
    rejection = issue_receipt(
        status=Status.REJECTED,
        receiver="RS",
        signing_key=_rs_signing(tmp_path),
        received=clock.now(),
        reason=Reason.PAYLOAD_TOO_LARGE,
        request_digest="sha-256=:another-request=:",
    )
    response, claimed = _answer(node, envelope_id, rejection, status=413)
    with pytest.raises(TransportError, match="does not name this request"):
        delivery._outcomes(node, "RS", response, claimed)
    # The HTTP status is not signed: a null-id rejection served as a single envelope's 422 is checked alike.
    disguised, claimed = _answer(node, envelope_id, rejection, status=422)
    with pytest.raises(TransportError, match="does not name this request"):
        delivery._outcomes(node, "RS", disguised, claimed)
    bound, claimed = _answer(node, envelope_id, rejection, status=413, sent_digest="sha-256=:another-request=:")
    with pytest.raises(delivery.RequestRefused):
        delivery._outcomes(node, "RS", bound, claimed)


def test_a_late_receipt_still_proves_delivery_after_we_gave_up(ba, tmp_path):
    from exchange.federation import delivery
    from protocols.v1.envelope import parse_envelope_bytes
    from protocols.v1.receipt import Status, issue_receipt

    _app, node, clock = ba
    envelope_id = _send(node)
    clock.advance(timedelta(days=3, seconds=1))
    sweep(node)
    assert _row(node, envelope_id).state == OutboxState.FAILED
    receipt = issue_receipt(
        status=Status.ACCEPTED,
        receiver="RS",
        signing_key=_rs_signing(tmp_path),
        received=clock.now(),
        envelope=parse_envelope_bytes(_row(node, envelope_id).envelope),
    )
    response, claimed = _answer(node, envelope_id, receipt)
    delivery._record_outcomes(node, "RS", claimed, delivery._outcomes(node, "RS", response, claimed))
    row = _row(node, envelope_id)
    assert row.state == OutboxState.DELIVERED
    assert row.receipt == receipt.raw
