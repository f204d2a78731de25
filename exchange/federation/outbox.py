"""What an operator needs of the outbox: what waits for whom, what failed and why, retry it."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select

from exchange.errors import Conflict, NotFound
from exchange.federation.models import OutboundEnvelope, OutboxState, Peer
from exchange.federation.scheduling import schedule_delivery
from exchange.node import Node


@dataclass(frozen=True)
class PeerSummary:
    peer: str
    states: Counter[str]
    failures: int
    retry_at: str | None
    last_error: str | None


def list_envelopes(
    node: Node, *, state: str | None = None, peer: str | None = None, limit: int = 100
) -> list[OutboundEnvelope]:
    query = select(OutboundEnvelope).order_by(OutboundEnvelope.queued_at.desc()).limit(limit)
    if state is not None:
        query = query.where(OutboundEnvelope.state == state)
    if peer is not None:
        query = query.where(OutboundEnvelope.recipient == peer)
    with node.db.sessions() as session:
        return list(session.scalars(query))


def get_envelope(node: Node, envelope_id: str) -> OutboundEnvelope:
    with node.db.sessions() as session:
        row = session.get(OutboundEnvelope, envelope_id)
    if row is None:
        raise NotFound(f"no outgoing envelope {envelope_id}")
    return row


def summary(node: Node) -> list[PeerSummary]:
    """Per peer: how many envelopes are in each state, and the peer's backoff."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    with node.db.sessions() as session:
        rows = session.execute(
            select(OutboundEnvelope.recipient, OutboundEnvelope.state, func.count()).group_by(
                OutboundEnvelope.recipient, OutboundEnvelope.state
            )
        )
        for recipient, state, count in rows:
            counts[recipient][state] = count
        peers = {peer.node_id: peer for peer in session.scalars(select(Peer))}
    result = []
    for peer_id in sorted(set(counts) | set(peers)):
        peer = peers.get(peer_id)
        result.append(
            PeerSummary(
                peer=peer_id,
                states=counts.get(peer_id, Counter()),
                failures=peer.failures if peer else 0,
                retry_at=peer.retry_at.isoformat() if peer and peer.retry_at else None,
                last_error=peer.last_error if peer else None,
            )
        )
    return result


def retry(node: Node, envelope_id: str) -> OutboundEnvelope:
    """A person asks to try again now: back to pending, the peer's backoff lifted for it."""
    now = node.clock.now()
    with node.transaction() as session:
        row = session.get(OutboundEnvelope, envelope_id)
        if row is None:
            raise NotFound(f"no outgoing envelope {envelope_id}")
        if row.state == OutboxState.DELIVERED:
            raise Conflict("already delivered: the receipt is the proof, there is nothing to retry")
        if row.expires_at <= now:
            raise Conflict("the envelope has expired; the message must be sent again as a new message")
        row.state = OutboxState.PENDING
        row.give_up_at = now + node.settings.give_up_after
        row.next_attempt_at = now
        row.lease_until = None
        row.enqueued_at = now
        row.reject_reason = None
        peer = session.get(Peer, row.recipient)
        if peer is not None:
            peer.retry_at = None
        schedule_delivery(session, row.recipient)
    return row
