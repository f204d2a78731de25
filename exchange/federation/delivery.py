"""Delivery jobs: take due envelopes for a peer, post them (batched), record the signed receipts.

Rows are *claimed* with a lease before anything is sent (`FOR UPDATE SKIP LOCKED` on PostgreSQL;
SQLite serialises writers), so parallel workers never post the same row at the same time. A
worker killed mid-flight leaves a lease that simply runs out; the row is sent again and the
receiver answers with the original receipt. At-least-once sending plus deduplication at the
receiver gives the exactly-once effect.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from exchange.directory import gossip
from exchange.federation import hooks, liveness
from exchange.federation.inbound import BATCH_TYP, PING_TYP, PONG_TYP, RECEIPTS_TYP
from exchange.federation.models import OutboundEnvelope, OutboxState, Peer
from exchange.federation.scheduling import delivery_key, schedule_delivery
from exchange.federation.transport import PeerResponse, TransportError
from exchange.node import Node, current_node
from protocols.errors import RETRYABLE_REASONS, ProtocolError, Reason, ReceiptError
from protocols.registry import Feature, best_common
from protocols.timefmt import format_time
from protocols.v1.directory import NodeEntry
from protocols.v1.receipt import Receipt, parse_receipt, verify_receipt

log = logging.getLogger(__name__)

ENVELOPES_PATH = "/federation/v1/envelopes"
PING_PATH = "/federation/v1/ping"
# Leave room under the receiver's request limit (16 MiB by default) for the batch wrapper.
MAX_BATCH_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Claimed:
    id: str
    envelope: bytes
    sha256: bytes


# -- jobs --------------------------------------------------------------------------------------


def deliver_peer(peer_id: str) -> None:
    """Job: deliver one batch of what is due for `peer_id` (queues a successor while more is due)."""
    node = current_node()
    # Released before claiming, so a message committed from now on gets a job of its own.
    node.queue.release(delivery_key(peer_id))
    deliver_to_peer(node, peer_id)


def probe(peer_id: str) -> None:
    """Ping a peer; if it answers, clear its backoff and flush what waits for it."""
    node = current_node()
    try:
        ping(node, peer_id)
    except (TransportError, ProtocolError) as exc:
        with node.transaction() as session:
            peer = liveness.peer_row(session, peer_id)
            peer.last_error = f"probe: {exc}"[:500]
        return
    with node.transaction() as session:
        liveness.peer_succeeded(session, peer_id, node.clock.now())


# -- the work ----------------------------------------------------------------------------------


def deliver_to_peer(node: Node, peer_id: str) -> int:
    """Claim, post and record one batch for `peer_id`; returns how many envelopes were posted."""
    now = node.clock.now()
    directory = node.directory.current()
    if not directory.has_node(peer_id):
        _fail_unknown_recipient(node, peer_id)
        return 0
    peer = directory.node(peer_id)
    claimed = _claim(node, peer, now)
    if claimed:
        _send_claimed(node, peer, claimed)
    return len(claimed)


class RequestRefused(ProtocolError):
    """The peer refused the whole request with a signed rejection (not one envelope of it)."""

    def __init__(self, receipt: Receipt) -> None:
        assert receipt.reason is not None
        super().__init__(receipt.reason, f"the peer refused the request: {receipt.reason}")
        self.receipt = receipt


def _send_claimed(node: Node, peer: NodeEntry, claimed: list[Claimed]) -> None:
    try:
        response = _post(node, peer, claimed)
        gossip.consider(node, peer.id, response.directory_version)
        receipts = _outcomes(node, peer.id, response, claimed)
    except RequestRefused as refusal:
        if refusal.reason in RETRYABLE_REASONS:
            _record_failure(node, peer.id, claimed, str(refusal))
        elif len(claimed) > 1:
            # Something about the batch as a whole (its size, its shape): try each envelope alone.
            log.warning("%s refused a batch (%s); sending its envelopes one by one", peer.id, refusal.reason)
            for item in claimed:
                _send_claimed(node, peer, [item])
        else:
            _record_outcomes(node, peer.id, claimed, [refusal.receipt])
        return
    except (TransportError, ProtocolError) as exc:
        _record_failure(node, peer.id, claimed, str(exc))
        return
    _record_outcomes(node, peer.id, claimed, receipts)


def _claim(node: Node, peer: NodeEntry, now: datetime) -> list[Claimed]:
    settings = node.settings
    with node.transaction() as session:
        state = session.get(Peer, peer.id)
        if state is not None and state.retry_at is not None and state.retry_at > now:
            return []  # backing off; the probe or a sign of life will flush it
        rows = session.scalars(
            select(OutboundEnvelope)
            .where(
                OutboundEnvelope.recipient == peer.id,
                OutboundEnvelope.state == OutboxState.PENDING,
                OutboundEnvelope.next_attempt_at <= now,
                or_(OutboundEnvelope.lease_until.is_(None), OutboundEnvelope.lease_until < now),
            )
            .order_by(OutboundEnvelope.queued_at, OutboundEnvelope.id)
            .limit(settings.max_batch if _batches(peer) else 1)
            .with_for_update(skip_locked=True)
        ).all()
        claimed: list[Claimed] = []
        size = 0
        for row in rows:
            if claimed and size + len(row.envelope) > MAX_BATCH_BYTES:
                break
            size += len(row.envelope)
            row.lease_until = now + settings.lease
            row.attempts += 1
            row.last_attempt_at = now
            row.enqueued_at = None
            claimed.append(Claimed(row.id, row.envelope, row.envelope_sha256))
        return claimed


def _batches(peer: NodeEntry) -> bool:
    version = best_common(peer.protocols)
    return version is not None and version.supports(Feature.BATCH)


def _post(node: Node, peer: NodeEntry, claimed: list[Claimed]) -> PeerResponse:
    if len(claimed) == 1:
        body = claimed[0].envelope
    else:
        # Canonical envelopes joined under canonical keys ("envelopes" < "typ") form the
        # canonical batch without parsing and re-encoding every envelope.
        body = b'{"envelopes":[' + b",".join(c.envelope for c in claimed) + b'],"typ":"' + BATCH_TYP.encode() + b'"}'
    return node.transport.post(peer, ENVELOPES_PATH, body)


def _outcomes(node: Node, peer_id: str, response: PeerResponse, claimed: list[Claimed]) -> list[Receipt]:
    """One receipt per claimed envelope, or an error that applies to the whole request."""
    payload = response.payload
    if not isinstance(payload, dict):
        raise TransportError(f"HTTP {response.status}: no receipt in the answer")
    if payload.get("typ") == RECEIPTS_TYP and response.status == 200:
        items = payload.get("receipts")
        if not isinstance(items, list) or len(items) != len(claimed):
            raise TransportError("batch answer does not hold one receipt per envelope")
        return [_parse(item) for item in items]
    receipt = _parse(payload)
    if len(claimed) == 1 and response.status in (200, 422) and receipt.envelope_id is not None:
        return [receipt]
    # A signed rejection naming no envelope refuses the whole request (authentication, size,
    # replay ...), whatever HTTP status came with it (the status is not signed). It is acted on
    # only when it is signed by the peer, dated now, and names this request's Content-Digest: a
    # rejection captured from another exchange must not finally refuse these envelopes.
    if receipt.reason is None or receipt.envelope_id is not None:
        raise TransportError(f"HTTP {response.status}: unexpected answer")
    if receipt.request_digest is None or receipt.request_digest != response.sent_digest:
        raise TransportError(f"HTTP {response.status}: a rejection that does not name this request")
    try:
        verify_receipt(receipt, node.directory.current(), receiver=peer_id, now=node.clock.now())
    except ReceiptError as exc:
        raise TransportError(f"HTTP {response.status}: a rejection that does not verify ({exc.reason})") from exc
    raise RequestRefused(receipt)


def _parse(item: object) -> Receipt:
    try:
        return parse_receipt(item)
    except ProtocolError as exc:
        raise TransportError(f"unreadable receipt ({exc.reason})") from exc


def _record_failure(node: Node, peer_id: str, claimed: list[Claimed], error: str) -> None:
    now = node.clock.now()
    log.warning("delivery of %d envelope(s) to %s failed: %s", len(claimed), peer_id, error)
    with node.transaction() as session:
        retry_at = liveness.peer_failed(session, node.settings, peer_id, now, error)
        for item in claimed:
            row = session.get(OutboundEnvelope, item.id)
            if row is None or row.state != OutboxState.PENDING:
                continue
            row.lease_until = None
            row.next_attempt_at = retry_at
            row.last_error = error[:1000]


def _record_outcomes(node: Node, peer_id: str, claimed: list[Claimed], receipts: list[Receipt]) -> None:
    now = node.clock.now()
    directory = node.directory.current()
    with node.transaction() as session:
        rows = {
            row.id: row
            for row in session.scalars(
                select(OutboundEnvelope).where(OutboundEnvelope.id.in_([c.id for c in claimed])).with_for_update()
            )
        }
        for item, receipt in zip(claimed, receipts, strict=True):
            row = rows.get(item.id)
            if row is None or row.state not in (OutboxState.PENDING, OutboxState.FAILED):
                continue
            try:
                verify_receipt(
                    receipt,
                    directory,
                    receiver=peer_id,
                    envelope_id=item.id,
                    envelope_sha256=item.sha256,
                    envelope_sender=node.id,
                    lifetime=(row.created_at, row.expires_at),
                    now=now,
                )
            except ReceiptError as exc:
                if row.state == OutboxState.PENDING:
                    row.lease_until = None
                    _retry_later(node, row, now, f"receipt not accepted: {exc.reason}")
                continue
            if row.state == OutboxState.FAILED:
                # We gave up while this post was in flight; the proof of delivery still counts.
                if receipt.delivered:
                    log.info("late receipt for %s, given up earlier: delivered after all", item.id)
                    row.state, row.delivered_at, row.receipt = OutboxState.DELIVERED, now, receipt.proof.raw
                    hooks.delivered(node, session, item.id, receipt.proof)
                continue
            row.lease_until = None
            if receipt.delivered:
                row.state = OutboxState.DELIVERED
                row.delivered_at = now
                row.receipt = receipt.proof.raw
                row.last_error = None
                hooks.delivered(node, session, item.id, receipt.proof)
            elif receipt.reason in RETRYABLE_REASONS:
                _retry_later(node, row, now, f"refused for now: {receipt.reason}")
            else:
                row.state = OutboxState.REJECTED
                row.reject_reason = str(receipt.reason)
                row.receipt = receipt.raw
                row.last_error = f"refused by {peer_id}: {receipt.reason}"
                log.warning("%s refused envelope %s: %s", peer_id, item.id, receipt.reason)
                hooks.failed(node, session, item.id, str(receipt.reason))
        liveness.peer_succeeded(session, peer_id, now)
        if _more_due(session, peer_id, now):
            schedule_delivery(session, peer_id)


def _retry_later(node: Node, row: OutboundEnvelope, now: datetime, error: str) -> None:
    row.next_attempt_at = now + liveness.backoff(node.settings, row.attempts)
    row.last_error = error


def _more_due(session: Session, peer_id: str, now: datetime) -> bool:
    due = select(OutboundEnvelope.id).where(
        OutboundEnvelope.recipient == peer_id,
        OutboundEnvelope.state == OutboxState.PENDING,
        OutboundEnvelope.next_attempt_at <= now,
        OutboundEnvelope.lease_until.is_(None),
    )
    return bool(session.scalar(select(exists(due))))


def _fail_unknown_recipient(node: Node, peer_id: str) -> None:
    with node.transaction() as session:
        rows = session.scalars(
            select(OutboundEnvelope).where(
                OutboundEnvelope.recipient == peer_id, OutboundEnvelope.state == OutboxState.PENDING
            )
        )
        for row in rows:
            row.state = OutboxState.FAILED
            row.last_error = f"{peer_id} is no longer in the federation directory"


def ping(node: Node, peer_id: str) -> PeerResponse:
    """Send a signed ping; raises TransportError or ProtocolError unless the peer answers pong."""
    peer = node.directory.current().node(peer_id)
    document = {"typ": PING_TYP, "sender": node.id, "recipient": peer_id, "sent": format_time(node.clock.now())}
    response = node.transport.post_json(peer, PING_PATH, document)
    gossip.consider(node, peer_id, response.directory_version)
    payload = response.payload
    if response.status != 200 or not isinstance(payload, dict) or payload.get("typ") != PONG_TYP:
        # Only a known reason code from the peer's answer is kept, never its free text.
        claimed = payload.get("reason") if isinstance(payload, dict) else None
        reason = claimed if claimed in Reason.__members__.values() else ""
        raise TransportError(f"ping to {peer_id}: HTTP {response.status} {reason}".strip())
    return response
