"""Deadline reminders: "due soon" two days before a deadline, "overdue" once it has passed.

The sweeper calls `sweep` on its timer. Each reminder is created once per case, deadline and
level (the unique key makes a second sweeper, or a retried one, a no-op), and stays on the
dashboard of everyone who can see the case until one of them acknowledges it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from exchange.audit import services as audit
from exchange.auth.policy import Actor, Forbidden, require_writer, visible
from exchange.node import Node
from exchange.requests import deadlines
from exchange.requests import workflow as wf
from exchange.requests.models import Case, Reminder

log = logging.getLogger(__name__)

DUE_SOON = "due_soon"
OVERDUE = "overdue"


def level_at(due_at: datetime, now: datetime) -> str | None:
    if now >= due_at:
        return OVERDUE
    if now >= due_at - deadlines.DUE_SOON:
        return DUE_SOON
    return None


def sweep(node: Node, now: datetime) -> int:
    """Create the reminders that are due; returns how many were created."""
    created = 0
    with node.db.sessions() as session:
        candidates = list(
            session.scalars(
                select(Case).where(
                    Case.deadline_at.is_not(None),
                    Case.deadline_at <= now + deadlines.DUE_SOON,
                    Case.state != wf.CLOSED,
                )
            )
        )
    for case in candidates:
        if case.deadline_at is None or case.deadline_kind is None:
            continue
        level = level_at(case.deadline_at, now)
        if level is None:
            continue
        try:
            with node.transaction() as session:
                exists = session.scalar(
                    select(Reminder.id).where(
                        Reminder.case_id == case.id,
                        Reminder.deadline_kind == case.deadline_kind,
                        Reminder.due_at == case.deadline_at,
                        Reminder.level == level,
                    )
                )
                if exists is not None:
                    continue
                session.add(
                    Reminder(
                        case_id=case.id,
                        deadline_kind=case.deadline_kind,
                        due_at=case.deadline_at,
                        level=level,
                        created_at=now,
                        details={"direction": case.direction, "peer": case.peer_node},
                    )
                )
                created += 1
        except IntegrityError:
            continue  # another sweeper made the same reminder first
    if created:
        log.info("%d deadline reminder(s) created", created)
    return created


@dataclass(frozen=True)
class ReminderView:
    reminder: Reminder
    case: Case


def open_reminders(node: Node, actor: Actor) -> list[ReminderView]:
    """Unacknowledged reminders on the cases `actor` can see, most urgent first."""
    with node.db.sessions() as session:
        rows = session.execute(
            select(Reminder, Case)
            .join(Case, Case.id == Reminder.case_id)
            .where(Reminder.acknowledged_at.is_(None), Case.state != wf.CLOSED, visible(actor))
            .order_by(Reminder.due_at, Reminder.id)
        )
        return [ReminderView(reminder, case) for reminder, case in rows]


def acknowledge(node: Node, actor: Actor, reminder_id: int) -> None:
    require_writer(actor)
    now = node.clock.now()
    with node.transaction() as session:
        row = session.execute(
            select(Reminder, Case)
            .join(Case, Case.id == Reminder.case_id)
            .where(Reminder.id == reminder_id, visible(actor))
        ).first()
        if row is None:
            raise Forbidden("no such reminder, or not yours to see")
        reminder, case = row
        if reminder.acknowledged_at is None:
            reminder.acknowledged_at = now
            audit.record(session, actor, "reminder.acknowledge", at=now, object_type="case", object_id=case.id)
