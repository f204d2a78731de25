"""What the case workflow does when the federation plane reports something.

- A request from a peer (MLA, EIO, JIT proposal, spontaneous information) opens an incoming case
  for the contact points to register and route. Its deadlines run from our signed receipt.
- Any other message joins the case of its conversation with that peer and moves it (an
  acknowledgement, a decision, results ...). A conversation is looked up with the sender, so a
  peer can never write into a case it is not party to.
- A message for no known conversation is kept as an "unmatched" case the contact points see.
- A signed receipt for something we sent marks it delivered; an outgoing request's case moves to
  delivered and its deadlines start at the receipt's time, the legal proof of delivery.

Every handler runs inside the transaction that stores the envelope or the receipt, and checks
first whether it has already done its work, so a retried hand-over never applies a message twice.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from exchange.audit import services as audit
from exchange.auth.policy import Actor
from exchange.federation import hooks
from exchange.node import Node
from exchange.requests import deadlines, reminders
from exchange.requests import workflow as wf
from exchange.requests.models import Case, CaseMessage, CaseTransition, Direction, MessageState
from exchange.requests.services import (
    INSTRUMENT_OF,
    REQUEST_TYPES,
    move,
    next_position,
    refresh_deadline,
    seal_body,
    title_of,
)
from protocols.v1.receipt import Receipt

# What the other side may send on a case, by the case's direction as we see it.
PEER_MAY_SEND = {
    Direction.OUTGOING: frozenset(wf.REPLIES_ON_INCOMING),  # they execute our request
    Direction.INCOMING: frozenset(wf.REPLIES_ON_OUTGOING),  # they made the request
}


def _already_have(session: Session, sender: str, message_id: str) -> bool:
    return (
        session.scalar(
            select(CaseMessage.id)
            .join(Case, Case.id == CaseMessage.case_id)
            .where(
                CaseMessage.direction == Direction.INCOMING,
                CaseMessage.envelope_id == message_id,
                Case.peer_node == sender,
            )
        )
        is not None
    )


def _store_message(node: Node, session: Session, case: Case, arrival: hooks.Arrival) -> CaseMessage:
    content = arrival.content
    message_id = str(uuid.uuid4())
    sealed, kid = seal_body(node, message_id, content.body)
    received = arrival.receipt.received
    message = CaseMessage(
        id=message_id,
        case_id=case.id,
        position=next_position(case),
        direction=Direction.INCOMING,
        message_type=content.type,
        state=MessageState.RECEIVED,
        language=str(content.body.get("language") or "en"),
        body_sealed=sealed,
        storage_kid=kid,
        approvals=[approval.to_json() for approval in content.approvals],
        envelope_id=content.message_id,
        received_at=received,
        created_at=received,
        version=1,
    )
    session.add(message)
    return message


def _open_incoming_case(node: Node, session: Session, arrival: hooks.Arrival, *, state: str) -> Case:
    content = arrival.content
    body: dict[str, Any] = dict(content.body)
    received = arrival.receipt.received
    terms = deadlines.terms_of(content.type, body) if state == wf.RECEIVED else deadlines.Terms()
    case = Case(
        id=str(uuid.uuid4()),
        direction=Direction.INCOMING,
        peer_node=arrival.sender,
        instrument=INSTRUMENT_OF.get(content.type, "unknown"),
        request_type=content.type,
        state=state,
        their_reference=str(body.get("our_reference") or "")[:128] or None,
        title=title_of(content.type, body),
        conversation_id=content.conversation,
        urgent=terms.urgent,
        requested_by=deadlines.end_of(terms.requested_by) if terms.requested_by else None,
        received_at=received,
        created_at=received,
        updated_at=received,
        version=1,
    )
    session.add(case)
    session.add(
        CaseTransition(case_id=case.id, from_state=None, to_state=state, actor=f"peer:{arrival.sender}", at=received)
    )
    return case


def on_received(node: Node, session: Session, arrival: hooks.Arrival) -> None:
    content, sender = arrival.content, arrival.sender
    if _already_have(session, sender, content.message_id):
        return
    peer = Actor.peer(sender)
    received = arrival.receipt.received
    case = session.scalar(
        select(Case).where(Case.peer_node == sender, Case.conversation_id == content.conversation).with_for_update()
    )
    if case is None:
        state = wf.RECEIVED if content.type in REQUEST_TYPES else wf.UNMATCHED
        case = _open_incoming_case(node, session, arrival, state=state)
        session.flush()
        message = _store_message(node, session, case, arrival)
        refresh_deadline(node, session, case, received)
        audit.record(
            session, peer, "case.receive" if state == wf.RECEIVED else "message.unmatched", at=received,
            object_type="case", object_id=case.id, details={"type": content.type, "envelope": content.message_id},
        )  # fmt: skip
        return
    message = _store_message(node, session, case, arrival)
    outcome = _apply(node, session, case, message, arrival, peer)
    audit.record(
        session, peer, "message.receive", at=received, object_type="message", object_id=message.id,
        details={"case": case.id, "type": content.type, "envelope": content.message_id, "outcome": outcome},
    )  # fmt: skip


def _apply(node: Node, session: Session, case: Case, message: CaseMessage, arrival: hooks.Arrival, peer: Actor) -> str:
    """Move the case as the message says, if that is a move the case can make. Returns what happened.

    A message that cannot move the case (a decision on a closed case, a type the sender's side
    never sends) is still kept on the case for people to read; it just changes nothing.
    """
    content = arrival.content
    received = arrival.receipt.received
    if case.direction == Direction.OUTGOING and not case.their_reference and content.body.get("our_reference"):
        # The executing side's own file number, from its first answer: ours to quote from now on.
        case.their_reference = str(content.body["our_reference"])[:128]
    if content.type not in PEER_MAY_SEND.get(case.direction, frozenset()):
        return "kept: not a message that side sends"
    if content.type in REQUEST_TYPES:
        return "kept: a second request in the same conversation"
    target = wf.target_of(content.type, str(content.body.get("completeness") or ""))
    if target is None:
        case.updated_at = received
        return "kept"
    # From "sent" an answer may come before our receipt is in: the tables allow it, it shows delivery.
    if not wf.can(case.direction, case.state, target):
        return f"kept: a case that is {case.state} does not move to {target}"
    move(session, case, target, peer, received, note=content.type)
    refresh_deadline(node, session, case, received)
    return f"moved to {target}"


def on_delivered(node: Node, session: Session, envelope_id: str, receipt: Receipt) -> None:
    message = session.scalar(
        select(CaseMessage).where(CaseMessage.envelope_id == envelope_id, CaseMessage.direction == Direction.OUTGOING)
    )
    if message is None or message.state == MessageState.DELIVERED:
        return
    case = session.get(Case, message.case_id)
    if case is None:
        return
    message.state, message.delivered_at = MessageState.DELIVERED, receipt.received
    message.version += 1
    peer = Actor.peer(case.peer_node)
    if message.message_type == case.request_type and case.direction == Direction.OUTGOING:
        case.received_at = receipt.received
        if case.state == wf.SENT:
            move(session, case, wf.DELIVERED, peer, receipt.received, note="signed receipt")
        refresh_deadline(node, session, case, receipt.received)
    audit.record(
        session, peer, "message.delivered", at=receipt.received, object_type="message", object_id=message.id,
        details={"case": case.id, "envelope": envelope_id},
    )  # fmt: skip


def on_failed(node: Node, session: Session, envelope_id: str, reason: str) -> None:
    message = session.scalar(
        select(CaseMessage).where(CaseMessage.envelope_id == envelope_id, CaseMessage.direction == Direction.OUTGOING)
    )
    if message is None or message.state in (MessageState.DELIVERED, MessageState.FAILED):
        return
    message.state = MessageState.FAILED
    message.version += 1
    now = node.clock.now()
    audit.record(
        session, Actor.system(), "message.failed", at=now, object_type="message", object_id=message.id,
        outcome="failed", details={"case": message.case_id, "envelope": envelope_id, "reason": reason[:100]},
    )  # fmt: skip


def register() -> None:
    """Subscribe to the federation plane (idempotent: the registries ignore repeats)."""
    hooks.on_received(on_received)
    hooks.on_delivered(on_delivered)
    hooks.on_failed(on_failed)
    hooks.on_sweep(reminders.sweep)
