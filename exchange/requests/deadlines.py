"""Deadlines, from the legal catalogue (1.1.1 for the EIO, 2.7 for MLA), started by signed receipts.

The EIO Directive sets them: acknowledge within a week of receipt (Art. 16(1)), decide within 30
days (Art. 12(3)), execute within 90 days of the decision (Art. 12(4)), decide on provisional
measures within 24 hours (Art. 32(2)). The MLA instruments set no general deadline (UNTOC 18(24):
"as soon as possible"); the federation applies the same periods as good practice, so every case
is watched alike. Urgency shortens acknowledgement and decision; a date the requesting side asks
for (with its reasons) shortens everything to that date. The clock starts at the time in the
receiving node's signed receipt, the legal proof of delivery.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from exchange.requests import workflow as wf

ACKNOWLEDGE = timedelta(days=7)
DECIDE = timedelta(days=30)
EXECUTE = timedelta(days=90)
ANSWER_QUESTIONS = timedelta(days=14)
URGENT_ACKNOWLEDGE = timedelta(days=2)
URGENT_DECIDE = timedelta(days=10)
PROVISIONAL_DECIDE = timedelta(hours=24)
DUE_SOON = timedelta(days=2)


@dataclass(frozen=True)
class Terms:
    """What in a request bears on its deadlines."""

    urgent: bool = False
    requested_by: date | None = None
    provisional_measure: bool = False


@dataclass(frozen=True)
class Deadline:
    kind: str  # acknowledge | decide | execute | answer_questions
    due_at: datetime


def end_of(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


def current(state: str, terms: Terms, *, received_at: datetime | None, since: datetime) -> Deadline | None:
    """The deadline a case in `state` is waiting on. `since` is when the state was entered.

    The same for both directions: on an incoming case it is ours to meet, on an outgoing case it
    is the peer's (our contact point watches it).
    """
    if received_at is None:
        return None
    requested = end_of(terms.requested_by) if terms.requested_by else None

    def capped(moment: datetime) -> datetime:
        return min(moment, requested) if requested is not None else moment

    if state in (wf.DELIVERED, wf.RECEIVED, wf.REGISTERED, wf.ROUTED, wf.SENT):
        period = URGENT_ACKNOWLEDGE if terms.urgent else ACKNOWLEDGE
        return Deadline("acknowledge", capped(received_at + period))
    if state in (wf.ACKNOWLEDGED, wf.INFO_PROVIDED):
        period = DECIDE
        if terms.urgent:
            period = URGENT_DECIDE
        if terms.provisional_measure:
            period = PROVISIONAL_DECIDE
        return Deadline("decide", capped(received_at + period))
    if state in (wf.RECOGNISED, wf.POSTPONED, wf.OTHER_MEASURE, wf.PARTIALLY_EXECUTED):
        return Deadline("execute", capped(since + EXECUTE))
    if state == wf.INFO_REQUESTED:
        return Deadline("answer_questions", since + ANSWER_QUESTIONS)
    return None


def terms_of(message_type: str, body: dict[str, object]) -> Terms:
    """Read urgency, the requested date and provisional measures from a request body."""
    if message_type == "request.eio":
        section_b = _mapping(body.get("section_b"))
        section_c = _mapping(body.get("section_c"))
        requested = section_b.get("requested_deadline")
        return Terms(
            urgent=bool(section_b.get("urgency_reasons")),
            requested_by=date.fromisoformat(requested) if isinstance(requested, str) else None,
            provisional_measure="provisional_measure" in _sequence(section_c.get("measures")),
        )
    requested = body.get("deadline")
    measures = body.get("assistance_sought")
    measures = measures if isinstance(measures, list) else []
    return Terms(
        urgent=bool(body.get("urgency")),
        requested_by=date.fromisoformat(requested) if isinstance(requested, str) else None,
        provisional_measure=any(
            isinstance(m, dict) and m.get("code") == "freezing_provisional_measure" for m in measures
        ),
    )


def _mapping(value: object) -> dict[str, object]:
    return value if isinstance(value, dict) else {}


def _sequence(value: object) -> list[object]:
    return value if isinstance(value, list) else []
