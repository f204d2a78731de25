"""A request's whole life between two nodes: drafted, approved (four eyes), delivered, registered,
routed, acknowledged, questioned, answered, decided, executed, closed. Real HTTP, real envelopes,
real receipts; the clock is the test's. Runs on the embedded database and on PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from exchange.audit import services as audit
from exchange.audit.models import AuditEvent
from exchange.auth.policy import NOT_VISIBLE, Forbidden
from exchange.demo import samples
from exchange.errors import Conflict, InvalidInput
from exchange.federation.inbound import retry_unhandled
from exchange.federation.models import InboundEnvelope
from exchange.federation.outbound import send_message
from exchange.requests import reminders
from exchange.requests import services as cases
from exchange.requests import workflow as wf
from exchange.requests.models import Case, CaseMessage, CaseTransition, MessageState, thread_order
from protocols.v1.envelope import Approval
from tests import workflow


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fed(request, tmp_path):
    database = request.getfixturevalue("make_database") if request.param == "postgres" else None
    federation = workflow.build(tmp_path, ("BA", "RS"), database=database)
    yield federation
    federation.close()


def _latest_incoming(member) -> Case | None:
    with member.node.db.sessions() as session:
        found = session.scalars(select(Case).where(Case.direction == "incoming").order_by(Case.created_at)).all()
    return found[-1] if found else None


def _messages(member, case_id) -> list[CaseMessage]:
    with member.node.db.sessions() as session:
        return list(
            session.scalars(select(CaseMessage).where(CaseMessage.case_id == case_id).order_by(*thread_order()))
        )


def _send_request(fed, body=None) -> tuple[Case, Case | None]:
    """BA drafts and approves the sample MLA request to RS; returns (BA's case, RS's case if any)."""
    ba = fed["BA"]
    amra, selma = ba.actor("amra.hadzic"), ba.actor("selma.begic")
    case, request = cases.create_request(
        ba.node, amra, recipient="RS", message_type="request.mla", body=body or samples.sample("request.mla")
    )
    cases.submit(ba.node, amra, request.id)
    cases.approve(ba.node, selma, request.id)
    fed.settle()
    return cases.get_case(ba.node, selma, case.id)[0], _latest_incoming(fed["RS"])


def _signed_off(fed) -> list[Approval]:
    """An approval chain for messages a test sends past the workflow (as a peer's own software may)."""
    now = fed.clock.now()
    return [
        Approval("drafter", "u-1", "A. Drafter", "Office", now),
        Approval("approver", "u-2", "B. Approver", "CA", now),
    ]


def _route(fed, incoming: Case) -> None:
    rs = fed["RS"]
    marija, milos = rs.actor("marija.ilic"), rs.actor("milos.jovanovic")
    cases.register(rs.node, marija, incoming.id, our_reference="MP 12/26")
    cases.route(rs.node, marija, incoming.id, authority_id=rs.staff.authorities[1].id, assignee_id=milos.id)


def _reply(fed, member_id, drafter, case_id, message_type, body=None) -> CaseMessage:
    member = fed[member_id]
    approver = {"BA": "selma.begic", "RS": "marija.ilic"}[member_id]
    draft = cases.draft_reply(
        member.node,
        member.actor(drafter),
        case_id,
        message_type=message_type,
        body=body or samples.sample(message_type),
    )
    cases.submit(member.node, member.actor(drafter), draft.id)
    sent = cases.approve(member.node, member.actor(approver), draft.id)
    fed.settle()
    return sent


def _state(member, username, case_id) -> str:
    return cases.get_case(member.node, member.actor(username), case_id)[0].state


def test_a_request_travels_from_draft_to_execution(fed):
    ba, rs = fed["BA"], fed["RS"]
    sent, incoming = _send_request(fed)
    assert sent.state == wf.DELIVERED
    assert sent.their_reference is None
    assert incoming.state == wf.RECEIVED
    assert incoming.their_reference == "T20 0 KTO 0000117 26"
    assert incoming.peer_node == "BA"
    # Deadlines start at RS's signed receipt, on both sides alike.
    assert sent.received_at == incoming.received_at
    assert sent.deadline_kind == incoming.deadline_kind == "acknowledge"
    # The sample asks for urgency (evidence at risk): two days, not seven.
    assert incoming.deadline_at == incoming.received_at + timedelta(days=2)

    _route(fed, incoming)
    assert _state(rs, "milos.jovanovic", incoming.id) == wf.ROUTED
    steps = [
        ("RS", "milos.jovanovic", "ack.receipt", wf.ACKNOWLEDGED),
        ("RS", "milos.jovanovic", "info.request", wf.INFO_REQUESTED),
        ("BA", "amra.hadzic", "info.response", wf.INFO_PROVIDED),
        ("RS", "milos.jovanovic", "decision.recognition", wf.RECOGNISED),
    ]
    for side, drafter, message_type, expected in steps:
        case_id = incoming.id if side == "RS" else sent.id
        _reply(fed, side, drafter, case_id, message_type)
        assert _state(ba, "selma.begic", sent.id) == expected, message_type
        assert _state(rs, "marija.ilic", incoming.id) == expected, message_type
    # The executing side's file number came with its first answer.
    assert cases.get_case(ba.node, ba.actor("selma.begic"), sent.id)[0].their_reference == "КТМП 55/26"
    partial = samples.sample("execution.result") | {
        "completeness": "partial",
        "outstanding": "Изводи са рачуна стижу из банке до 31.01.2027.",
    }
    _reply(fed, "RS", "milos.jovanovic", incoming.id, "execution.result", partial)
    assert _state(ba, "selma.begic", sent.id) == wf.PARTIALLY_EXECUTED
    _reply(fed, "RS", "milos.jovanovic", incoming.id, "execution.result")
    assert _state(ba, "amra.hadzic", sent.id) == wf.EXECUTED
    cases.close(ba.node, ba.actor("amra.hadzic"), sent.id)
    assert _state(ba, "amra.hadzic", sent.id) == wf.CLOSED

    # Both sides hold the same thread: the request and seven replies, in order, bodies intact.
    ours = [(m.message_type, m.direction) for m in _messages(ba, sent.id)]
    theirs = [(m.message_type, m.direction) for m in _messages(rs, incoming.id)]
    assert [t for t, _d in ours] == [t for t, _d in theirs]
    assert all(d_ours != d_theirs for (_t, d_ours), (_t2, d_theirs) in zip(ours, theirs, strict=True))
    _case, views = cases.get_case(rs.node, rs.actor("marija.ilic"), incoming.id)
    assert views[0].body == samples.sample("request.mla")
    # The approval chain travelled with the request: who drafted it at BA and who approved it.
    assert [(a["role"], a["name"]) for a in views[0].message.approvals] == [
        ("drafter", "Amra Hadžić"),
        ("approver", "Selma Begić"),
    ]
    with rs.node.db.sessions() as session:
        assert audit.verify_chain(session).intact
    with ba.node.db.sessions() as session:
        assert audit.verify_chain(session).intact


def test_four_eyes_nothing_leaves_without_another_contact_points_approval(fed):
    ba = fed["BA"]
    amra, dragan, selma, ivo = (ba.actor(u) for u in ("amra.hadzic", "dragan.petrovic", "selma.begic", "ivo.maric"))
    case, request = cases.create_request(
        ba.node, amra, recipient="RS", message_type="request.mla", body=samples.sample("request.mla")
    )
    with pytest.raises(Conflict):
        cases.approve(ba.node, selma, request.id)  # not submitted yet
    with pytest.raises(Forbidden):
        cases.submit(ba.node, dragan, request.id)  # another office: not even visible
    cases.submit(ba.node, amra, request.id)
    for someone in (amra, ivo):
        with pytest.raises(Forbidden):
            cases.approve(ba.node, someone, request.id)
    cases.return_to_drafter(ba.node, selma, request.id, comment="Navedite broj pasoša oštećene.")
    assert _messages(ba, case.id)[0].state == MessageState.RETURNED
    assert cases.get_case(ba.node, amra, case.id)[0].state == wf.RETURNED
    cases.submit(ba.node, amra, request.id)
    cases.approve(ba.node, selma, request.id)
    fed.settle()
    # Contact points approve; they do not draft requests of their own.
    with pytest.raises(Forbidden):
        cases.create_request(
            ba.node, selma, recipient="RS", message_type="request.mla", body=samples.sample("request.mla")
        )
    with ba.node.db.sessions() as session:
        moves = [(t.from_state, t.to_state) for t in session.scalars(
            select(CaseTransition).where(CaseTransition.case_id == case.id).order_by(CaseTransition.id)
        )]  # fmt: skip
    assert moves == [
        (None, wf.DRAFT),
        (wf.DRAFT, wf.SUBMITTED),
        (wf.SUBMITTED, wf.RETURNED),
        (wf.RETURNED, wf.SUBMITTED),
        (wf.SUBMITTED, wf.SENT),
        (wf.SENT, wf.DELIVERED),
    ]


def test_a_case_outside_ones_view_is_refused_exactly_like_a_case_that_does_not_exist(fed):
    _sent, incoming = _send_request(fed)
    _route(fed, incoming)
    rs, ba = fed["RS"], fed["BA"]
    jelena = rs.actor("jelena.nikolic")  # a prosecutor of another office
    admin = rs.actor("admin.rs")
    for who in (jelena, admin):
        with pytest.raises(Forbidden) as hidden:
            cases.get_case(rs.node, who, incoming.id)
        with pytest.raises(Forbidden) as missing:
            cases.get_case(rs.node, who, "00000000-0000-0000-0000-000000000000")
        assert str(hidden.value) == str(missing.value) == NOT_VISIBLE
        assert cases.list_cases(rs.node, who).total == 0
    assert cases.list_cases(rs.node, rs.actor("milos.jovanovic")).total == 1
    assert cases.list_cases(rs.node, rs.actor("nenad.stojanovic")).total == 1  # the auditor reads
    with pytest.raises(Forbidden):
        cases.draft_reply(
            rs.node, rs.actor("nenad.stojanovic"), incoming.id, message_type="ack.receipt",
            body=samples.sample("ack.receipt"),
        )  # fmt: skip
    assert cases.list_cases(ba.node, ba.actor("dragan.petrovic")).total == 0


def test_an_incoming_request_is_registered_and_routed_before_anyone_answers_it(fed):
    _sent, incoming = _send_request(fed)
    rs = fed["RS"]
    marija, milos = rs.actor("marija.ilic"), rs.actor("milos.jovanovic")
    with pytest.raises(Forbidden):  # not routed to Miloš's office yet: he does not see it
        cases.draft_reply(rs.node, milos, incoming.id, message_type="ack.receipt", body=samples.sample("ack.receipt"))
    with pytest.raises(Conflict):
        cases.draft_reply(rs.node, marija, incoming.id, message_type="ack.receipt", body=samples.sample("ack.receipt"))
    with pytest.raises(Forbidden):
        cases.register(rs.node, milos, incoming.id, our_reference="x")
    with pytest.raises(InvalidInput):
        cases.route(rs.node, marija, incoming.id, authority_id=rs.staff.authorities[2].id, assignee_id=milos.id)
    _route(fed, incoming)
    with pytest.raises(InvalidInput):  # a requesting side's message is not an answer RS gives
        cases.draft_reply(rs.node, milos, incoming.id, message_type="withdrawal", body=samples.sample("withdrawal"))


def test_a_stale_copy_cannot_overwrite_a_newer_one(fed):
    ba = fed["BA"]
    amra = ba.actor("amra.hadzic")
    _case, request = cases.create_request(
        ba.node, amra, recipient="RS", message_type="request.mla", body=samples.sample("request.mla")
    )
    changed = samples.sample("request.mla") | {"deadline": "2027-01-20"}
    updated = cases.update_draft(ba.node, amra, request.id, changed, expected_version=request.version)
    with pytest.raises(cases.PreconditionFailed):
        cases.update_draft(ba.node, amra, request.id, samples.sample("request.mla"), expected_version=request.version)
    with pytest.raises(cases.PreconditionFailed):
        cases.submit(ba.node, amra, request.id, expected_version=request.version)
    cases.submit(ba.node, amra, request.id, expected_version=updated.version)


def test_a_wrong_form_is_refused_field_by_field_and_nothing_is_stored(fed):
    ba = fed["BA"]
    amra = ba.actor("amra.hadzic")
    body = samples.sample("request.mla")
    del body["offences"]
    body["deadline"] = "31.01.2027"
    with pytest.raises(cases.FieldErrors) as refused:
        cases.create_request(ba.node, amra, recipient="RS", message_type="request.mla", body=body)
    assert set(refused.value.errors) == {"deadline"}  # wrong now; what is missing can come later
    with pytest.raises(InvalidInput, match=r"EIO|MLA"):
        cases.create_request(
            ba.node, amra, recipient="RS", message_type="request.eio", body=samples.sample("request.eio")
        )
    with pytest.raises(InvalidInput):
        cases.create_request(
            ba.node, amra, recipient="BA", message_type="request.mla", body=samples.sample("request.mla")
        )
    assert cases.list_cases(ba.node, ba.actor("selma.begic")).total == 0


def test_a_draft_is_saved_as_it_grows_and_submitted_only_when_complete(fed):
    ba = fed["BA"]
    amra = ba.actor("amra.hadzic")
    partial = {"our_reference": "T20 0 KTO 0000118 26", "language": "bs", "requesting_state": "BA"}
    case, draft = cases.create_request(ba.node, amra, recipient="RS", message_type="request.mla", body=partial)
    assert cases.problems("request.mla", partial)["offences"]
    with pytest.raises(cases.FieldErrors) as incomplete:
        cases.submit(ba.node, amra, draft.id)
    assert {"offences", "requesting_authority", "assistance_sought"} <= set(incomplete.value.errors)
    assert cases.get_case(ba.node, amra, case.id)[0].state == wf.DRAFT
    complete = cases.update_draft(
        ba.node, amra, draft.id, samples.sample("request.mla"), expected_version=draft.version
    )
    cases.submit(ba.node, amra, complete.id)
    assert cases.get_case(ba.node, amra, case.id)[0].state == wf.SUBMITTED


def test_bodies_are_sealed_at_rest(fed):
    _sent, incoming = _send_request(fed)
    rs = fed["RS"]
    with rs.node.db.sessions() as session:
        stored = session.scalar(select(CaseMessage.body_sealed).where(CaseMessage.case_id == incoming.id))
    assert b"Trgovina ljudima" not in stored
    assert b"T20 0 KTO" not in stored


def test_a_message_delivered_twice_is_applied_once(fed):
    _sent, incoming = _send_request(fed)
    rs = fed["RS"]
    with rs.node.db.sessions() as session:
        raw = session.scalar(select(InboundEnvelope.envelope).where(InboundEnvelope.sender == "BA"))
    answer = fed.post("BA", "RS", raw)
    assert answer.payload["status"] == "duplicate"
    assert len(_messages(rs, incoming.id)) == 1
    with rs.node.db.sessions() as session:
        assert len(session.scalars(select(Case)).all()) == 1


def test_a_reply_in_an_unknown_conversation_is_kept_for_the_contact_points(fed):
    ba, rs = fed["BA"], fed["RS"]
    with ba.node.transaction() as session:
        send_message(
            ba.node, session, recipient="RS", message_type="info.response", body=samples.sample("info.response"),
            conversation="7a0c3f9e-0000-4000-8000-000000000001",
            approvals=_signed_off(fed),
        )  # fmt: skip
    fed.settle()
    stray = _latest_incoming(rs)
    assert stray.state == wf.UNMATCHED
    assert cases.list_cases(rs.node, rs.actor("marija.ilic"), state=wf.UNMATCHED).total == 1
    cases.close(rs.node, rs.actor("marija.ilic"), stray.id)


def test_a_peer_cannot_write_into_a_conversation_it_is_not_party_to(tmp_path):
    fed = workflow.build(tmp_path, ("BA", "RS", "HR"))
    try:
        sent, _incoming = _send_request(fed)
        hr = fed["HR"]
        with hr.node.transaction() as session:
            send_message(
                hr.node, session, recipient="BA", message_type="decision.refusal",
                body=samples.sample("decision.refusal"), conversation=sent.conversation_id, approvals=_signed_off(fed),
            )  # fmt: skip
        fed.settle()
        ba = fed["BA"]
        assert _state(ba, "selma.begic", sent.id) == wf.DELIVERED
        assert len(_messages(ba, sent.id)) == 1
        assert _latest_incoming(ba).state == wf.UNMATCHED
        assert _latest_incoming(ba).peer_node == "HR"
    finally:
        fed.close()


def test_a_message_whose_handling_fails_is_kept_and_handled_later(fed):
    """The storage key is missing (an operator's mistake): the envelope is stored and receipted
    anyway, then taken into its case once the key is back."""
    rs = fed["RS"]
    identity = rs.node.identity
    rs.node._identity = dataclasses.replace(identity, storage_keys=())  # type: ignore[attr-defined]
    sent, _ = _send_request(fed)
    assert sent.state == wf.DELIVERED  # the sender has its receipt: nothing is lost
    with rs.node.db.sessions() as session:
        row = session.scalars(select(InboundEnvelope)).one()
        assert row.handled_at is None
        assert row.handling_error == "ConfigurationError"
        assert session.scalars(select(Case)).all() == []
    rs.node._identity = identity  # type: ignore[attr-defined]
    assert retry_unhandled(rs.node, fed.clock.now()) == 1
    assert retry_unhandled(rs.node, fed.clock.now()) == 0
    incoming = _latest_incoming(rs)
    assert incoming.state == wf.RECEIVED
    assert incoming.received_at == sent.received_at


def test_deadline_reminders_come_once_when_due_and_again_when_overdue(fed):
    body = samples.sample("request.mla")
    del body["urgency"], body["urgency_reasons"], body["deadline"], body["deadline_reason"]
    _sent, incoming = _send_request(fed, body)
    rs = fed["RS"]
    marija = rs.actor("marija.ilic")
    assert incoming.deadline_at == incoming.received_at + timedelta(days=7)
    fed.advance(timedelta(days=4))
    assert reminders.sweep(rs.node, fed.clock.now()) == 0
    fed.advance(timedelta(days=1, hours=1))
    assert reminders.sweep(rs.node, fed.clock.now()) == 1
    assert reminders.sweep(rs.node, fed.clock.now()) == 0
    assert [r.reminder.level for r in reminders.open_reminders(rs.node, marija)] == ["due_soon"]
    fed.advance(timedelta(days=2))
    assert reminders.sweep(rs.node, fed.clock.now()) == 1
    assert cases.list_cases(rs.node, marija, overdue=True).total == 1
    levels = [r.reminder.level for r in reminders.open_reminders(rs.node, marija)]
    assert levels == ["due_soon", "overdue"]
    # Nobody outside the case sees its reminders.
    assert reminders.open_reminders(rs.node, rs.actor("jelena.nikolic")) == []
    for item in reminders.open_reminders(rs.node, marija):
        reminders.acknowledge(rs.node, marija, item.reminder.id)
    assert reminders.open_reminders(rs.node, marija) == []
    # Answering moves the deadline on; the next one starts from the decision stage.
    _route(fed, incoming)
    _reply(fed, "RS", "milos.jovanovic", incoming.id, "ack.receipt")
    assert cases.get_case(rs.node, marija, incoming.id)[0].deadline_kind == "decide"


def test_the_audit_trail_shows_a_rewritten_event(fed):
    _send_request(fed)
    ba = fed["BA"]
    with ba.node.transaction() as session:
        first_approval = session.scalar(select(AuditEvent.id).where(AuditEvent.action == "message.approve_send"))
        session.execute(update(AuditEvent).where(AuditEvent.id == first_approval).values(actor="someone-else"))
    with ba.node.db.sessions() as session:
        check = audit.verify_chain(session)
    assert check.broken_at == first_approval
