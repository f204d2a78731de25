"""What the federation plane tells the rest of the node, inside the same database transaction.

The case workflow subscribes here: a message accepted from a peer becomes part of a case in the
transaction that stores it (so its effect happens exactly once), and a delivery confirmed by a
signed receipt moves the case that sent it. A subscriber that fails is logged and skipped in a
savepoint of its own: the envelope is stored regardless (it is never lost), its inbox row stays
marked unhandled, and the sweeper hands it over again later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from protocols.v1.envelope import Content, Envelope
from protocols.v1.receipt import Receipt

if TYPE_CHECKING:
    from exchange.node import Node

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Arrival:
    sender: str
    envelope: Envelope
    content: Content
    receipt: Receipt


Received = Callable[["Node", Session, Arrival], None]
Delivered = Callable[["Node", Session, str, Receipt], None]
Failed = Callable[["Node", Session, str, str], None]
Swept = Callable[["Node", datetime], object]

_received: list[Received] = []
_delivered: list[Delivered] = []
_failed: list[Failed] = []
_swept: list[Swept] = []


def on_received(handler: Received) -> Received:
    if handler not in _received:
        _received.append(handler)
    return handler


def on_delivered(handler: Delivered) -> Delivered:
    if handler not in _delivered:
        _delivered.append(handler)
    return handler


def on_failed(handler: Failed) -> Failed:
    if handler not in _failed:
        _failed.append(handler)
    return handler


def on_sweep(handler: Swept) -> Swept:
    """Periodic work that rides on the sweeper's timer (deadline reminders)."""
    if handler not in _swept:
        _swept.append(handler)
    return handler


def _run(session: Session, what: str, call: Callable[[], None]) -> str | None:
    """Run one subscriber in a savepoint; the name of the error if it failed (never its text,
    which may quote message content)."""
    try:
        with session.begin_nested():
            call()
    except Exception as exc:
        log.exception("a %s subscriber failed; the envelope itself is kept", what)
        return type(exc).__name__
    return None


def received(node: Node, session: Session, arrival: Arrival) -> str | None:
    """Hand a newly stored envelope to every subscriber; the first failure's name, or None.

    A subscriber must be idempotent for its own effect: after a failure, all of them run again.
    """
    failure = None
    for handler in list(_received):
        failure = _run(session, "received", lambda h=handler: h(node, session, arrival)) or failure  # type: ignore[misc]
    return failure


def delivered(node: Node, session: Session, envelope_id: str, receipt: Receipt) -> None:
    for handler in list(_delivered):
        _run(session, "delivered", lambda h=handler: h(node, session, envelope_id, receipt))  # type: ignore[misc]


def failed(node: Node, session: Session, envelope_id: str, reason: str) -> None:
    for handler in list(_failed):
        _run(session, "failed", lambda h=handler: h(node, session, envelope_id, reason))  # type: ignore[misc]


def swept(node: Node, now: datetime) -> None:
    for handler in list(_swept):
        try:
            handler(node, now)
        except Exception:
            log.exception("a periodic task failed; it runs again at the next sweep")
