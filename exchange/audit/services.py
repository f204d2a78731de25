"""Appending to the audit trail and reading it back.

Each event's hash is SHA-256 over the previous event's hash and the event's canonical JSON, so
removing or changing an event breaks every hash after it (`verify_chain` finds where). Events
are written in the transaction of the change they record; a refused attempt is recorded in a
transaction of its own, because the refused change itself rolls back. Details hold identifiers
and codes, never message content, passwords, keys or tokens.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from exchange.audit.models import AuditEvent
from exchange.auth.policy import Actor
from protocols.canonical import canonical_bytes
from protocols.timefmt import format_time

GENESIS = bytes(32)
# PostgreSQL advisory lock serialising appends, so two transactions never chain to the same event.
AUDIT_LOCK = 0x4D4C4158_41554454


def _digest(previous: bytes, event: AuditEvent) -> bytes:
    record = {
        "at": format_time(event.at),
        "actor": event.actor,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "outcome": event.outcome,
        "details": event.details,
    }
    return hashlib.sha256(previous + canonical_bytes(record)).digest()


def record(
    session: Session,
    actor: Actor | str,
    action: str,
    *,
    at: datetime,
    object_type: str | None = None,
    object_id: str | None = None,
    outcome: str = "ok",
    details: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event in `session`'s transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK})
    previous = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)) or GENESIS
    event = AuditEvent(
        at=at.replace(microsecond=0),
        actor=actor if isinstance(actor, str) else actor.id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        outcome=outcome,
        details=dict(details or {}),
        previous_hash=previous,
    )
    event.hash = _digest(previous, event)
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class ChainCheck:
    events: int
    broken_at: int | None

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def verify_chain(session: Session) -> ChainCheck:
    """Recompute every hash; the id of the first event that does not match, if any."""
    previous = GENESIS
    count = 0
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
        count += 1
        if event.previous_hash != previous or _digest(previous, event) != event.hash:
            return ChainCheck(count, event.id)
        previous = event.hash
    return ChainCheck(count, None)


@dataclass(frozen=True)
class EventPage:
    events: list[AuditEvent]
    total: int


def list_events(
    session: Session,
    *,
    action: str | None = None,
    actor_id: str | None = None,
    object_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    offset: int = 0,
    limit: int = 50,
) -> EventPage:
    """Events newest first, filtered. The caller has checked that its actor may read the trail."""
    query = select(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
    if actor_id:
        query = query.where(AuditEvent.actor == actor_id)
    if object_id:
        query = query.where(AuditEvent.object_id == object_id)
    if since:
        query = query.where(AuditEvent.at >= since)
    if until:
        query = query.where(AuditEvent.at < until)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    events = list(session.scalars(query.order_by(AuditEvent.id.desc()).offset(offset).limit(limit)))
    return EventPage(events, total)
