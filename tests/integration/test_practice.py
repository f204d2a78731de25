"""Cases as they go in practice, walked between real nodes over HTTP (in-process, the test's clock).

Beyond the straight road of test_case_workflow: a request refused after acknowledgement; one
postponed while a witness is protected, then recognised and executed; a withdrawal that crosses
the executing side's results on the wire (both kept, neither applied where it no longer fits);
a status query and its answer, which move nothing; and an EIO between two states bound by the
Directive (Croatia to Slovenia), acknowledged with its Annex B form.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from exchange.demo import samples
from exchange.errors import Conflict, InvalidInput
from exchange.federation.models import OutboundEnvelope
from exchange.requests import services as cases
from exchange.requests import workflow as wf
from exchange.requests.models import Case, CaseMessage, Direction
from tests import workflow

DRAFTER = {"BA": "amra.hadzic", "RS": "milos.jovanovic", "HR": "ana.horvat", "SI": "marko.novak"}
APPROVER = {"BA": "selma.begic", "RS": "marija.ilic", "HR": "petra.babic", "SI": "maja.kranjc"}


@pytest.fixture(scope="module")
def fed(tmp_path_factory):
    federation = workflow.build(tmp_path_factory.mktemp("practice"), ("BA", "RS", "HR", "SI"))
    yield federation
    federation.close()


class Exchange:
    """One request between two nodes, seen from both sides, each step done by the person who does it."""

    def __init__(self, fed, requester: str, executor: str, message_type: str, body: dict) -> None:
        self.fed, self.requester, self.executor = fed, requester, executor
        side = fed[requester]
        case, request = cases.create_request(
            side.node, side.actor(DRAFTER[requester]), recipient=executor, message_type=message_type, body=body
        )
        cases.submit(side.node, side.actor(DRAFTER[requester]), request.id)
        cases.approve(side.node, side.actor(APPROVER[requester]), request.id)
        fed.settle()
        self.ours = case.id
        conversation = cases.get_case(side.node, side.actor(APPROVER[requester]), case.id)[0].conversation_id
        with fed[executor].node.db.sessions() as session:
            self.theirs = session.scalar(
                select(Case.id).where(Case.conversation_id == conversation, Case.peer_node == requester)
            )
        assert self.theirs is not None, "the request did not arrive"

    def route(self, reference: str) -> None:
        """The executing side's contact point registers it and hands it to the competent prosecutor."""
        side = self.fed[self.executor]
        contact_point = side.actor(APPROVER[self.executor])
        cases.register(side.node, contact_point, self.theirs, our_reference=reference)
        cases.route(
            side.node,
            contact_point,
            self.theirs,
            authority_id=side.staff.authorities[1].id,
            assignee_id=side.actor(DRAFTER[self.executor]).id,
        )

    def send(self, node_id: str, message_type: str, *, settle: bool = True, **changes) -> CaseMessage:
        """Drafted by the node's prosecutor, approved by its contact point, and sent."""
        side = self.fed[node_id]
        case_id = self.ours if node_id == self.requester else self.theirs
        body = (samples.sample(message_type) if message_type not in ("status.query", "status.reply") else {}) | changes
        draft = cases.draft_reply(
            side.node, side.actor(DRAFTER[node_id]), case_id, message_type=message_type, body=body
        )
        cases.submit(side.node, side.actor(DRAFTER[node_id]), draft.id)
        sent = cases.approve(side.node, side.actor(APPROVER[node_id]), draft.id)
        if settle:
            self.fed.settle()
        return sent

    def case(self, node_id: str) -> Case:
        side = self.fed[node_id]
        case_id = self.ours if node_id == self.requester else self.theirs
        return cases.get_case(side.node, side.actor(APPROVER[node_id]), case_id)[0]

    def states(self) -> tuple[str, str]:
        return self.case(self.requester).state, self.case(self.executor).state

    def thread(self, node_id: str) -> list[tuple[str, str]]:
        side = self.fed[node_id]
        case_id = self.ours if node_id == self.requester else self.theirs
        _case, views = cases.get_case(side.node, side.actor(APPROVER[node_id]), case_id)
        return [(view.message.message_type, view.message.direction) for view in views]


def _mla(reference: str) -> dict:
    return samples.sample("request.mla") | {"our_reference": reference}


def test_refused_after_acknowledgement_and_a_refused_case_moves_no_further(fed):
    case = Exchange(fed, "BA", "RS", "request.mla", _mla("T20 0 KTO 0000301 26"))
    case.route("КТМП 70/26")
    case.send("RS", "ack.receipt")
    assert case.states() == (wf.ACKNOWLEDGED, wf.ACKNOWLEDGED)
    # The grounds are the Convention's: an EIO's cannot be cited by switching the instrument.
    rs = fed["RS"]
    with pytest.raises(cases.FieldErrors) as caught:
        cases.draft_reply(
            rs.node,
            rs.actor("milos.jovanovic"),
            case.theirs,
            message_type="decision.refusal",
            body=samples.sample("decision.refusal") | {"instrument": "eio", "grounds": ["ne_bis_in_idem"]},
        )
    assert set(caught.value.errors) == {"instrument"}
    case.send("RS", "decision.refusal", grounds=["essential_interests", "political_offence"])
    assert case.states() == (wf.REFUSED, wf.REFUSED)
    # A refusal is final: RS cannot send results after it, BA cannot withdraw what was refused.
    ba = fed["BA"]
    with pytest.raises(Conflict):
        cases.draft_reply(
            rs.node, rs.actor("milos.jovanovic"), case.theirs, message_type="execution.result",
            body=samples.sample("execution.result"),
        )  # fmt: skip
    with pytest.raises(Conflict):
        cases.draft_reply(
            ba.node, ba.actor("amra.hadzic"), case.ours, message_type="withdrawal", body=samples.sample("withdrawal")
        )
    cases.close(ba.node, ba.actor("amra.hadzic"), case.ours)
    assert case.states() == (wf.CLOSED, wf.REFUSED)
    # BA reads the grounds as RS coded them.
    _case, views = cases.get_case(ba.node, ba.actor("amra.hadzic"), case.ours)
    assert views[-1].body["grounds"] == ["essential_interests", "political_offence"]


def test_postponed_while_a_witness_is_protected_then_recognised_and_executed(fed):
    case = Exchange(fed, "BA", "RS", "request.mla", _mla("T20 0 KTO 0000302 26"))
    case.route("КТМП 71/26")
    case.send("RS", "ack.receipt")
    case.send("RS", "decision.postponement")
    assert case.states() == (wf.POSTPONED, wf.POSTPONED)
    # While postponed, the clock that runs is execution's, from the decision, on both sides.
    ours, theirs = case.case("BA"), case.case("RS")
    assert ours.deadline_kind == theirs.deadline_kind == "execute"
    assert ours.deadline_at == theirs.deadline_at
    fed.advance(timedelta(days=40))
    case.send("RS", "decision.recognition")
    case.send("RS", "execution.result", completeness="partial", outstanding="Изводи стижу до 31.03.2027.")
    assert case.states() == (wf.PARTIALLY_EXECUTED, wf.PARTIALLY_EXECUTED)
    case.send("RS", "execution.result")
    assert case.states() == (wf.EXECUTED, wf.EXECUTED)
    assert [t for t, _d in case.thread("BA")] == [
        "request.mla", "ack.receipt", "decision.postponement", "decision.recognition", "execution.result",
        "execution.result",
    ]  # fmt: skip


def test_a_withdrawal_crossing_the_results_on_the_wire_loses_neither(fed):
    case = Exchange(fed, "BA", "RS", "request.mla", _mla("T20 0 KTO 0000303 26"))
    case.route("КТМП 72/26")
    case.send("RS", "ack.receipt")
    case.send("RS", "decision.recognition")
    rs = fed["RS"]
    rs.stop_serving()  # RS is unreachable while BA withdraws: the withdrawal waits in BA's outbox
    try:
        case.send("BA", "withdrawal", settle=False)
        fed.settle()
        assert case.case("BA").state == wf.WITHDRAWN
        assert case.case("RS").state == wf.RECOGNISED  # has not heard yet
        case.send("RS", "execution.result")  # RS executes and answers, unaware
    finally:
        rs.start_serving()
    for _ in range(5):  # BA retries once its backoff for RS has passed
        fed.advance(timedelta(minutes=30))
        fed.sweep_all()
        with fed["BA"].node.db.sessions() as session:
            waiting = session.scalar(select(OutboundEnvelope.id).where(OutboundEnvelope.state == "pending"))
        if waiting is None:
            break
    assert waiting is None, "BA's withdrawal was never delivered"
    # Each side keeps the other's message in its thread; neither moves a case where it no longer fits.
    assert case.states() == (wf.WITHDRAWN, wf.EXECUTED)
    assert ("execution.result", Direction.INCOMING) in case.thread("BA")
    assert ("withdrawal", Direction.INCOMING) in case.thread("RS")
    ba = fed["BA"]
    cases.close(ba.node, ba.actor("amra.hadzic"), case.ours)
    cases.close(rs.node, rs.actor("marija.ilic"), case.theirs)
    assert case.states() == (wf.CLOSED, wf.CLOSED)


def test_a_status_query_and_its_answer_move_nothing(fed):
    case = Exchange(fed, "BA", "RS", "request.mla", _mla("T20 0 KTO 0000304 26"))
    case.route("КТМП 73/26")
    case.send("RS", "ack.receipt")
    before = case.states()
    case.send(
        "BA", "status.query", our_reference="T20 0 KTO 0000304 26", their_reference="КТМП 73/26",
        question="Molimo informaciju o stanju izvršenja; glavni pretres je zakazan za 15.02.2027.", language="bs",
    )  # fmt: skip
    case.send(
        "RS", "status.reply", our_reference="КТМП 73/26", their_reference="T20 0 KTO 0000304 26",
        state="under_examination", message="Замолница је код поступајућег тужиоца.", language="sr-Cyrl",
        expected_completion="2027-01-31",
    )  # fmt: skip
    assert case.states() == before == (wf.ACKNOWLEDGED, wf.ACKNOWLEDGED)
    assert [t for t, _d in case.thread("RS")][-2:] == ["status.query", "status.reply"]
    assert [t for t, _d in case.thread("BA")][-2:] == ["status.query", "status.reply"]


def test_an_eio_from_croatia_to_slovenia_acknowledged_with_annex_b_and_executed(fed):
    hr = fed["HR"]
    # Between Croatia and Slovenia the instrument is the EIO: an MLA request is refused at drafting.
    with pytest.raises(InvalidInput, match="EIO"):
        cases.create_request(
            hr.node, hr.actor("ana.horvat"), recipient="SI", message_type="request.mla", body=_mla("K-US-90/2026")
        )
    case = Exchange(fed, "HR", "SI", "request.eio", samples.sample("request.eio"))
    received = case.case("SI")
    assert (received.instrument, received.state, received.their_reference) == ("eio", wf.RECEIVED, "K-US-88/2026")
    # Annex B is due within a week of receipt (Art. 16(1)), from SI's signed receipt.
    assert received.deadline_kind == "acknowledge"
    assert received.deadline_at == received.received_at + timedelta(days=7)
    case.route("Ks 412/2026")
    si = fed["SI"]
    with pytest.raises(InvalidInput, match="Annex B"):
        cases.draft_reply(
            si.node,
            si.actor("marko.novak"),
            case.theirs,
            message_type="ack.receipt",
            body=samples.sample("ack.receipt"),
        )
    case.send("SI", "ack.eio")
    assert case.states() == (wf.ACKNOWLEDGED, wf.ACKNOWLEDGED)
    assert case.case("HR").their_reference == "Ks 412/2026"
    # Recognition within 30 days of receipt (Art. 12(3)).
    assert case.case("SI").deadline_at == received.received_at + timedelta(days=30)
    case.send("SI", "decision.recognition", our_reference="Ks 412/2026", their_reference="K-US-88/2026")
    case.send("SI", "execution.result", our_reference="Ks 412/2026", their_reference="K-US-88/2026")
    assert case.states() == (wf.EXECUTED, wf.EXECUTED)
    # The Annex B form is read at HR in Croatian labels, with SI's approval chain verified.
    _case, views = cases.get_case(hr.node, hr.actor("petra.babic"), case.ours)
    annex_b = next(view for view in views if view.message.message_type == "ack.eio")
    assert annex_b.verification is not None
    assert annex_b.verification.rechecked
    assert [a["name"] for a in annex_b.message.approvals] == ["Marko Novak", "Maja Kranjc"]
