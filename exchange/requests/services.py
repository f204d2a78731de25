"""The case workflow: drafting, four-eyes approval, sending, registering, routing, answering.

Every function here is one unit of work for one actor: it checks what the actor may do (policy),
moves the case along its state machine (workflow), keeps deadlines current, writes the audit
trail, and commits, all in one transaction. Sending happens through the transactional outbox in
that same transaction, so an approved message is never lost and never sent twice.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crypto.errors import CryptoError
from exchange.audit import services as audit
from exchange.auth.models import Authority, Role, User
from exchange.auth.policy import Actor, Forbidden, require_case, require_role, require_writer, visible
from exchange.errors import Conflict, ExchangeError, InvalidInput
from exchange.federation import inbox
from exchange.federation.outbound import send_message
from exchange.node import Node
from exchange.requests import deadlines
from exchange.requests import workflow as wf
from exchange.requests.models import Case, CaseMessage, CaseTransition, Direction, MessageState, thread_order
from protocols import registry
from protocols.errors import ProtocolError
from protocols.v1.envelope import Approval
from protocols.v1.templates.base import instrument_between

REQUEST_TYPES = ("request.mla", "request.eio", "request.jit_proposal", "info.spontaneous")
INSTRUMENT_OF = {
    "request.mla": "mla",
    "request.eio": "eio",
    "request.jit_proposal": "jit",
    "info.spontaneous": "spontaneous",
}


class FieldErrors(InvalidInput):
    """A body that does not match its template: the errors, field by field."""

    code = "invalid_body"

    def __init__(self, errors: Mapping[str, Any]) -> None:
        super().__init__("the form has errors")
        self.errors = dict(errors)


class PreconditionFailed(ExchangeError):
    """The caller's copy is stale: someone changed the object since (HTTP 412)."""

    status = 412
    code = "precondition_failed"


@dataclass(frozen=True)
class Verification:
    """What the receiving side can say about a message's signatures and its approval chain.

    Every stored incoming message passed the envelope and inner signature checks at receipt
    (nothing else is stored). `rechecked` says whether they still hold now, opened again from
    the inbox against the current directory, and whether the approval chain shown is the one
    that was signed.
    """

    signer_node: str
    signer_kid: str | None
    rechecked: bool
    detail: str


@dataclass(frozen=True)
class MessageView:
    """A case message with its body opened (for whoever may see the case)."""

    message: CaseMessage
    body: dict[str, Any]
    verification: Verification | None = None


# -- bodies at rest ------------------------------------------------------------------------------


def seal_body(node: Node, message_id: str, body: Mapping[str, Any]) -> tuple[bytes, str]:
    key = node.identity.storage_key
    plaintext = json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return key.seal(plaintext, message_id.encode("ascii")), key.kid


def open_body(node: Node, message: CaseMessage) -> dict[str, Any]:
    key = node.identity.storage_key_for(message.storage_kid)
    body: dict[str, Any] = json.loads(key.open(message.body_sealed, message.id.encode("ascii")))
    return body


def verify_incoming(node: Node, session: Session, case: Case, message: CaseMessage) -> Verification | None:
    """Open the stored envelope again and check its signatures and approval chain (incoming only)."""
    if message.direction != Direction.INCOMING or not message.envelope_id:
        return None
    try:
        opened = inbox.open_message(node, case.peer_node, message.envelope_id, session=session)
    except (ProtocolError, ExchangeError, CryptoError) as exc:
        reason = getattr(exc, "reason", None) or type(exc).__name__
        return Verification(case.peer_node, None, False, f"could not be checked again: {reason}")
    signed_chain = [approval.to_json() for approval in opened.content.approvals]
    if signed_chain != list(message.approvals):
        return Verification(
            case.peer_node, opened.content.signer_kid, False, "the approval chain differs from the signed one"
        )
    return Verification(case.peer_node, opened.content.signer_kid, True, "signatures and approval chain hold")


def _kind(message_type: str) -> registry.MessageType:
    try:
        return registry.message_type(registry.CURRENT, message_type)
    except ProtocolError as exc:
        raise InvalidInput(f"unknown message type {message_type}") from exc


def validate_body(message_type: str, body: Any) -> None:
    """A complete body, as it may leave: every required field there, every rule kept."""
    errors = _kind(message_type).body_errors(body)
    if errors:
        raise FieldErrors(errors)


def validate_draft(message_type: str, body: Any) -> None:
    """A draft may be incomplete (saved as the drafter goes), never wrong (types, codes, fields)."""
    errors = _kind(message_type).draft_errors(body)
    if errors:
        raise FieldErrors(errors)


def problems(message_type: str, body: Any) -> dict[str, Any]:
    """What still stands between a draft and its submission, field by field (empty: ready)."""
    return _kind(message_type).body_errors(body)


# -- helpers -------------------------------------------------------------------------------------


def move(session: Session, case: Case, target: str, actor: Actor, at: datetime, note: str | None = None) -> None:
    """Move `case` to `target` along its state machine and record who did it (Conflict if it may not)."""
    wf.check(case.direction, case.state, target)
    session.add(
        CaseTransition(case_id=case.id, from_state=case.state, to_state=target, actor=actor.id, at=at, note=note)
    )
    case.state = target
    case.updated_at = at
    case.version += 1


def next_position(case: Case) -> int:
    """The position of a new message on `case` (the caller holds the case's row lock)."""
    case.message_count = (case.message_count or 0) + 1
    return case.message_count


def refresh_deadline(node: Node, session: Session, case: Case, since: datetime) -> None:
    """Set the deadline the case now waits on, from its state, its request's terms and the receipt."""
    request = session.scalar(
        select(CaseMessage)
        .where(CaseMessage.case_id == case.id, CaseMessage.message_type == case.request_type)
        .order_by(CaseMessage.position)
        .limit(1)
    )
    terms = deadlines.terms_of(request.message_type, open_body(node, request)) if request else deadlines.Terms()
    deadline = deadlines.current(case.state, terms, received_at=case.received_at, since=since)
    case.deadline_kind = deadline.kind if deadline else None
    case.deadline_at = deadline.due_at if deadline else None


def _load_case(session: Session, actor: Actor, case_id: str, *, lock: bool = False) -> Case:
    """The case if `actor` may see it; `lock` holds its row until commit (for changes)."""
    return require_case(actor, session.get(Case, case_id, with_for_update=lock or None))


def _load_message(session: Session, actor: Actor, message_id: str, *, lock: bool = True) -> tuple[CaseMessage, Case]:
    """A message and its case if `actor` may see the case; `lock` holds the case's row (for changes)."""
    message = session.get(CaseMessage, message_id)
    case = session.get(Case, message.case_id, with_for_update=lock or None) if message is not None else None
    checked = require_case(actor, case)
    assert message is not None  # require_case refused otherwise
    return message, checked


def _check_version(current: int, expected: int | None) -> None:
    if expected is not None and current != expected:
        raise PreconditionFailed("this was changed by someone else since you read it; reload and try again")


def title_of(message_type: str, body: Mapping[str, Any]) -> str:
    if message_type == "request.mla":
        offences = body.get("offences") or [{}]
        return str(offences[0].get("legal_classification") or "MLA request")[:300]
    if message_type == "request.eio":
        return str((body.get("section_g") or {}).get("legal_classification") or "European Investigation Order")[:300]
    if message_type == "request.jit_proposal":
        return str(body.get("purpose") or "Joint investigation team")[:300]
    return str(body.get("information") or body.get("subject") or message_type)[:300]


def _language(body: Mapping[str, Any]) -> str:
    return str(body.get("language") or "en")


def _approvals(session: Session, message: CaseMessage, approver: Actor, at: datetime) -> list[Approval]:
    drafter = session.get(User, message.drafted_by) if message.drafted_by else None
    drafter_authority = session.get(Authority, drafter.authority_id) if drafter else None
    approver_authority = session.get(Authority, approver.authority_id) if approver.authority_id else None
    chain = []
    if drafter is not None and message.drafted_at is not None:
        chain.append(
            Approval(
                "drafter",
                drafter.id,
                drafter.display_name,
                drafter_authority.name if drafter_authority else "",
                message.drafted_at,
            )
        )
    chain.append(
        Approval("approver", approver.id, approver.name, approver_authority.name if approver_authority else "", at)
    )
    return chain


# -- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CasePage:
    cases: list[Case]
    total: int


def list_cases(
    node: Node,
    actor: Actor,
    *,
    direction: str | None = None,
    state: str | None = None,
    peer: str | None = None,
    overdue: bool = False,
    offset: int = 0,
    limit: int = 50,
) -> CasePage:
    now = node.clock.now()
    query = select(Case).where(visible(actor))
    if direction:
        query = query.where(Case.direction == direction)
    if state:
        query = query.where(Case.state == state)
    if peer:
        query = query.where(Case.peer_node == peer)
    if overdue:
        query = query.where(Case.deadline_at.is_not(None), Case.deadline_at < now)
    with node.db.sessions() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        cases = list(session.scalars(query.order_by(Case.updated_at.desc(), Case.id).offset(offset).limit(limit)))
    return CasePage(cases, total)


def get_case(node: Node, actor: Actor, case_id: str) -> tuple[Case, list[MessageView]]:
    """A case and its messages, opened; the view is recorded in the audit trail."""
    now = node.clock.now()
    with node.transaction() as session:
        case = _load_case(session, actor, case_id)
        messages = list(
            session.scalars(select(CaseMessage).where(CaseMessage.case_id == case.id).order_by(*thread_order()))
        )
        views = [
            MessageView(message, open_body(node, message), verify_incoming(node, session, case, message))
            for message in messages
        ]
        audit.record(session, actor, "case.view", at=now, object_type="case", object_id=case.id)
    return case, views


def get_message(node: Node, actor: Actor, message_id: str) -> tuple[Case, MessageView]:
    now = node.clock.now()
    with node.transaction() as session:
        message, case = _load_message(session, actor, message_id, lock=False)
        view = MessageView(message, open_body(node, message), verify_incoming(node, session, case, message))
        audit.record(session, actor, "message.view", at=now, object_type="message", object_id=message.id)
    return case, view


def transitions(node: Node, actor: Actor, case_id: str) -> list[CaseTransition]:
    with node.db.sessions() as session:
        case = _load_case(session, actor, case_id)
        return list(
            session.scalars(select(CaseTransition).where(CaseTransition.case_id == case.id).order_by(CaseTransition.id))
        )


# -- drafting and approving ----------------------------------------------------------------------


def create_request(
    node: Node,
    actor: Actor,
    *,
    recipient: str,
    message_type: str,
    body: Mapping[str, Any],
    title: str | None = None,
) -> tuple[Case, CaseMessage]:
    """A prosecutor drafts a new request to another node (nothing leaves until approved)."""
    require_role(actor, Role.PROSECUTOR)
    if message_type not in REQUEST_TYPES:
        raise InvalidInput(f"a new case starts with one of {', '.join(REQUEST_TYPES)}")
    validate_draft(message_type, dict(body))
    now = node.clock.now()
    directory = node.directory.current()
    if not directory.has_node(recipient) or recipient == node.id:
        raise InvalidInput("the recipient is not another member of the federation")
    ours, theirs = directory.node(node.id).country, directory.node(recipient).country
    if message_type in ("request.mla", "request.eio") and INSTRUMENT_OF[message_type] != instrument_between(
        ours, theirs
    ):
        wanted = instrument_between(ours, theirs)
        raise InvalidInput(
            f"between {ours} and {theirs} a request is made as {'an EIO' if wanted == 'eio' else 'an MLA request'}"
        )
    with node.transaction() as session:
        case = Case(
            id=str(uuid.uuid4()),
            direction=Direction.OUTGOING,
            peer_node=recipient,
            instrument=INSTRUMENT_OF[message_type],
            request_type=message_type,
            state=wf.DRAFT,
            our_reference=str(body.get("our_reference") or "") or None,
            title=(title or title_of(message_type, body))[:300],
            authority_id=actor.authority_id,
            assigned_user_id=actor.id,
            created_at=now,
            updated_at=now,
            version=1,
        )
        session.add(case)
        message = _new_message(node, session, case, actor, message_type, body, now)
        session.add(CaseTransition(case_id=case.id, from_state=None, to_state=wf.DRAFT, actor=actor.id, at=now))
        audit.record(
            session,
            actor,
            "case.create",
            at=now,
            object_type="case",
            object_id=case.id,
            details={"type": message_type, "to": recipient},
        )
    return case, message


def _new_message(
    node: Node, session: Session, case: Case, actor: Actor, message_type: str, body: Mapping[str, Any], now: datetime
) -> CaseMessage:
    message_id = str(uuid.uuid4())
    sealed, kid = seal_body(node, message_id, body)
    message = CaseMessage(
        id=message_id,
        case_id=case.id,
        position=next_position(case),
        direction=Direction.OUTGOING,
        message_type=message_type,
        state=MessageState.DRAFT,
        language=_language(body),
        body_sealed=sealed,
        storage_kid=kid,
        drafted_by=actor.id,
        drafted_at=now,
        approvals=[],
        created_at=now,
        version=1,
    )
    session.add(message)
    return message


def draft_reply(node: Node, actor: Actor, case_id: str, *, message_type: str, body: Mapping[str, Any]) -> CaseMessage:
    """Draft an answer on a case (an acknowledgement, a decision, results, more information ...)."""
    require_writer(actor)
    validate_draft(message_type, dict(body))
    now = node.clock.now()
    with node.transaction() as session:
        case = _load_case(session, actor, case_id, lock=True)
        allowed = wf.REPLIES_ON_INCOMING if case.direction == Direction.INCOMING else wf.REPLIES_ON_OUTGOING
        if message_type not in allowed:
            raise InvalidInput(f"{message_type} is not an answer this side of the case can give")
        if not wf.fits_instrument(message_type, case.instrument):
            raise InvalidInput("an EIO is acknowledged with its Annex B (ack.eio), any other request with ack.receipt")
        _check_decision_instrument(case, body)
        if case.direction == Direction.INCOMING and case.state in (wf.RECEIVED, wf.REGISTERED):
            raise Conflict("a contact point registers and routes the request before it is answered")
        if case.state == wf.CLOSED:
            raise Conflict("the case is closed")
        target = wf.target_of(message_type, str(body.get("completeness") or ""))
        if target is not None and not wf.can(case.direction, case.state, target):
            raise Conflict(f"a case that is {case.state} cannot move on to {target}")
        message = _new_message(node, session, case, actor, message_type, body, now)
        audit.record(
            session,
            actor,
            "message.draft",
            at=now,
            object_type="message",
            object_id=message.id,
            details={"case": case.id, "type": message_type},
        )
    return message


def update_draft(
    node: Node, actor: Actor, message_id: str, body: Mapping[str, Any], *, expected_version: int | None
) -> CaseMessage:
    """Change a draft (or a draft returned with comments); only its drafter may."""
    now = node.clock.now()
    with node.transaction() as session:
        message, case = _load_message(session, actor, message_id)
        if message.drafted_by != actor.id:
            raise Forbidden("only the drafter changes a draft")
        if message.state not in (MessageState.DRAFT, MessageState.RETURNED):
            raise Conflict("only drafts and returned drafts can be changed")
        _check_version(message.version, expected_version)
        validate_draft(message.message_type, dict(body))
        _check_decision_instrument(case, body)
        message.body_sealed, message.storage_kid = seal_body(node, message.id, body)
        message.language = _language(body)
        message.version += 1
        if message.message_type == case.request_type and case.direction == Direction.OUTGOING:
            case.title = title_of(message.message_type, body)
            case.our_reference = str(body.get("our_reference") or case.our_reference or "") or None
            case.version += 1
        audit.record(session, actor, "message.update", at=now, object_type="message", object_id=message.id)
    return message


def submit(node: Node, actor: Actor, message_id: str, *, expected_version: int | None = None) -> CaseMessage:
    """The drafter asks a contact point to approve."""
    now = node.clock.now()
    with node.transaction() as session:
        message, case = _load_message(session, actor, message_id)
        if message.drafted_by != actor.id:
            raise Forbidden("only the drafter submits a draft")
        if message.state not in (MessageState.DRAFT, MessageState.RETURNED):
            raise Conflict(f"a message that is {message.state} cannot be submitted")
        _check_version(message.version, expected_version)
        validate_body(message.message_type, open_body(node, message))
        message.state, message.submitted_at, message.return_comment = MessageState.SUBMITTED, now, None
        message.version += 1
        if _is_request(case, message):
            move(session, case, wf.SUBMITTED, actor, now)
        audit.record(session, actor, "message.submit", at=now, object_type="message", object_id=message.id)
    return message


def return_to_drafter(
    node: Node, actor: Actor, message_id: str, *, comment: str, expected_version: int | None = None
) -> CaseMessage:
    """A contact point sends a draft back with comments."""
    require_role(actor, Role.CONTACT_POINT)
    if not comment.strip():
        raise InvalidInput("say what needs to change")
    now = node.clock.now()
    with node.transaction() as session:
        message, case = _load_message(session, actor, message_id)
        if message.state != MessageState.SUBMITTED:
            raise Conflict("only submitted messages can be returned")
        _check_version(message.version, expected_version)
        message.state, message.return_comment = MessageState.RETURNED, comment[:5000]
        message.version += 1
        if _is_request(case, message):
            move(session, case, wf.RETURNED, actor, now, note=comment[:5000])
        audit.record(session, actor, "message.return", at=now, object_type="message", object_id=message.id)
    return message


def _check_decision_instrument(case: Case, body: Mapping[str, Any]) -> None:
    """A refusal or postponement cites the grounds of the instrument its request was made under.

    The template checks the grounds against the body's own `instrument`; this ties that member to
    the case, so an EIO cannot be refused on the Convention's grounds by switching it.
    """
    stated = body.get("instrument")
    if stated and case.instrument in ("mla", "eio") and stated != case.instrument:
        raise FieldErrors({"instrument": ["Not the instrument the request was made under."]})


def approve(node: Node, actor: Actor, message_id: str, *, expected_version: int | None = None) -> CaseMessage:
    """A contact point approves and the message leaves: signed, sealed, queued, in this transaction.

    Four eyes: never the drafter's own draft. The approval chain (who drafted, who approved,
    when) travels inside the signed envelope.
    """
    require_role(actor, Role.CONTACT_POINT)
    now = node.clock.now()
    with node.transaction() as session:
        message, case = _load_message(session, actor, message_id)
        if message.state != MessageState.SUBMITTED:
            raise Conflict("only submitted messages can be approved")
        if message.drafted_by == actor.id:
            raise Forbidden("four eyes: a contact point never approves their own draft")
        _check_version(message.version, expected_version)
        body = open_body(node, message)
        validate_body(message.message_type, body)
        chain = _approvals(session, message, actor, now)
        is_request = _is_request(case, message)
        row = send_message(
            node,
            session,
            recipient=case.peer_node,
            message_type=message.message_type,
            body=body,
            conversation=None if is_request else case.conversation_id,
            approvals=chain,
        )
        if is_request:
            case.conversation_id = row.conversation_id
        message.state, message.approved_by, message.approved_at = MessageState.SENT, actor.id, now
        message.approvals = [a.to_json() for a in chain]
        message.envelope_id, message.sent_at = row.id, now
        message.version += 1
        target = wf.SENT if is_request else wf.target_of(message.message_type, str(body.get("completeness") or ""))
        if target is not None:
            move(session, case, target, actor, now)
            refresh_deadline(node, session, case, now)
        audit.record(
            session, actor, "message.approve_send", at=now, object_type="message", object_id=message.id,
            details={"case": case.id, "type": message.message_type, "envelope": row.id, "to": case.peer_node},
        )  # fmt: skip
    return message


def _is_request(case: Case, message: CaseMessage) -> bool:
    return case.direction == Direction.OUTGOING and message.message_type == case.request_type


# -- incoming: register, route, close ------------------------------------------------------------


def register(
    node: Node, actor: Actor, case_id: str, *, our_reference: str, expected_version: int | None = None
) -> Case:
    """A contact point registers an incoming request under the node's own reference."""
    require_role(actor, Role.CONTACT_POINT)
    if not our_reference.strip():
        raise InvalidInput("give the reference the request is registered under")
    now = node.clock.now()
    with node.transaction() as session:
        case = _load_case(session, actor, case_id, lock=True)
        _check_version(case.version, expected_version)
        if case.direction != Direction.INCOMING:
            raise Conflict("only incoming requests are registered")
        case.our_reference = our_reference.strip()[:128]
        move(session, case, wf.REGISTERED, actor, now)
        audit.record(session, actor, "case.register", at=now, object_type="case", object_id=case.id)
    return case


def route(
    node: Node,
    actor: Actor,
    case_id: str,
    *,
    authority_id: str,
    assignee_id: str | None = None,
    expected_version: int | None = None,
) -> Case:
    """A contact point sends an incoming request to the competent authority (and prosecutor)."""
    require_role(actor, Role.CONTACT_POINT)
    now = node.clock.now()
    with node.transaction() as session:
        case = _load_case(session, actor, case_id, lock=True)
        _check_version(case.version, expected_version)
        authority = session.get(Authority, authority_id)
        if authority is None or not authority.active:
            raise InvalidInput("no such authority")
        if assignee_id is not None:
            assignee = session.get(User, assignee_id)
            if assignee is None or assignee.authority_id != authority.id or Role.PROSECUTOR not in assignee.roles:
                raise InvalidInput("the assignee must be a prosecutor of that authority")
        case.authority_id, case.assigned_user_id = authority.id, assignee_id
        move(session, case, wf.ROUTED, actor, now, note=authority.name)
        refresh_deadline(node, session, case, now)
        audit.record(
            session,
            actor,
            "case.route",
            at=now,
            object_type="case",
            object_id=case.id,
            details={"authority": authority.id},
        )
    return case


def close(node: Node, actor: Actor, case_id: str, *, expected_version: int | None = None) -> Case:
    require_writer(actor)
    now = node.clock.now()
    with node.transaction() as session:
        case = _load_case(session, actor, case_id, lock=True)
        _check_version(case.version, expected_version)
        move(session, case, wf.CLOSED, actor, now)
        case.deadline_kind, case.deadline_at = None, None
        audit.record(session, actor, "case.close", at=now, object_type="case", object_id=case.id)
    return case


def discard_draft(node: Node, actor: Actor, message_id: str) -> None:
    """The drafter drops a draft reply that was never submitted."""
    now = node.clock.now()
    with node.transaction() as session:
        message, case = _load_message(session, actor, message_id)
        if message.drafted_by != actor.id or message.state not in (MessageState.DRAFT, MessageState.RETURNED):
            raise Forbidden("only the drafter discards an unsent draft")
        if _is_request(case, message):
            raise Conflict("close the case to drop its request")
        session.delete(message)
        audit.record(session, actor, "message.discard", at=now, object_type="message", object_id=message_id)


def authorities(node: Node) -> list[Authority]:
    with node.db.sessions() as session:
        return list(session.scalars(select(Authority).where(Authority.active.is_(True)).order_by(Authority.name)))


def pending_approvals(node: Node, actor: Actor) -> list[tuple[CaseMessage, Case]]:
    require_role(actor, Role.CONTACT_POINT, Role.AUDITOR)
    with node.db.sessions() as session:
        rows = session.execute(
            select(CaseMessage, Case)
            .join(Case, Case.id == CaseMessage.case_id)
            .where(CaseMessage.state == MessageState.SUBMITTED, visible(actor))
            .order_by(CaseMessage.submitted_at)
        )
        return [(message, case) for message, case in rows]


def drafts_of(node: Node, actor: Actor) -> list[tuple[CaseMessage, Case]]:
    with node.db.sessions() as session:
        rows = session.execute(
            select(CaseMessage, Case)
            .join(Case, Case.id == CaseMessage.case_id)
            .where(
                CaseMessage.drafted_by == actor.id,
                CaseMessage.state.in_((MessageState.DRAFT, MessageState.RETURNED)),
                Case.state != wf.CLOSED,
            )
            .order_by(CaseMessage.created_at.desc())
        )
        return [(message, case) for message, case in rows]


def ids_of(items: Sequence[Case]) -> list[str]:
    return [item.id for item in items]
