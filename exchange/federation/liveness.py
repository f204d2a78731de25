"""Per-peer backoff that resets the moment a peer shows life (the synapse retry pattern).

Any authenticated request from a peer, and any successful delivery to it, proves it is up: its
backoff is cleared and whatever waits for it is flushed at once instead of at the next retry.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from exchange.config import Settings
from exchange.federation.models import OutboundEnvelope, OutboxState, Peer
from exchange.federation.scheduling import schedule_delivery

# Writing last_seen_at on every request would make busy peers contend on one row.
SEEN_RESOLUTION = timedelta(seconds=5)


def backoff(settings: Settings, failures: int) -> timedelta:
    """Exponential backoff with jitter: base * 2^(n-1), capped, randomised over its upper half."""
    ceiling = min(settings.retry_max.total_seconds(), settings.retry_base.total_seconds() * 2 ** max(0, failures - 1))
    return timedelta(seconds=ceiling / 2 + random.uniform(0, ceiling / 2))  # noqa: S311 - jitter, not a secret


def peer_row(session: Session, peer_id: str) -> Peer:
    peer = session.get(Peer, peer_id)
    if peer is None:
        peer = Peer(node_id=peer_id, failures=0)
        session.add(peer)
    return peer


def peer_seen(session: Session, peer_id: str, now: datetime) -> None:
    """The peer talked to us: it is up. Clear its backoff and flush what waits for it."""
    peer = peer_row(session, peer_id)
    troubled = bool(peer.failures) or peer.retry_at is not None
    if troubled or peer.last_seen_at is None or now - peer.last_seen_at >= SEEN_RESOLUTION:
        peer.last_seen_at = now
    if troubled:
        _reset_and_flush(session, peer, now)


def peer_succeeded(session: Session, peer_id: str, now: datetime) -> bool:
    """A delivery to the peer worked; returns whether it had been failing (and was flushed)."""
    peer = peer_row(session, peer_id)
    troubled = bool(peer.failures) or peer.retry_at is not None
    peer.last_success_at = now
    peer.last_error = None
    if troubled:
        _reset_and_flush(session, peer, now)
    return troubled


def peer_failed(session: Session, settings: Settings, peer_id: str, now: datetime, error: str) -> datetime:
    """A delivery or probe failed: back off; returns when the peer may be tried again."""
    peer = peer_row(session, peer_id)
    peer.failures = (peer.failures or 0) + 1
    peer.retry_at = now + backoff(settings, peer.failures)
    peer.last_failure_at = now
    peer.last_error = error[:500]
    return peer.retry_at


def _reset_and_flush(session: Session, peer: Peer, now: datetime) -> None:
    peer.failures = 0
    peer.retry_at = None
    session.execute(
        update(OutboundEnvelope)
        .where(
            OutboundEnvelope.recipient == peer.node_id,
            OutboundEnvelope.state == OutboxState.PENDING,
            OutboundEnvelope.next_attempt_at > now,
        )
        .values(next_attempt_at=now)
    )
    schedule_delivery(session, peer.node_id)
