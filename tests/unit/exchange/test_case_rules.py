"""The case state machines and the deadline rules, as tables (no database)."""

from __future__ import annotations

from collections import deque
from datetime import UTC, date, datetime, timedelta

import pytest

from exchange.demo import samples
from exchange.errors import Conflict
from exchange.requests import deadlines
from exchange.requests import workflow as wf

T = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def _reachable(table, start):
    seen, todo = {start}, deque([start])
    while todo:
        for following in table[todo.popleft()]:
            if following not in seen:
                seen.add(following)
                todo.append(following)
    return seen


@pytest.mark.parametrize(
    ("table", "starts"),
    [(wf.OUTGOING, (wf.DRAFT,)), (wf.INCOMING, (wf.RECEIVED, wf.UNMATCHED))],
    ids=["outgoing", "incoming"],
)
def test_every_state_is_reachable_and_every_case_can_end(table, starts):
    assert set().union(*table.values()) <= set(table), "an edge leads to a state with no row"
    reachable = set().union(*(_reachable(table, start) for start in starts))
    assert reachable == set(table)
    for state in table:
        assert wf.CLOSED in _reachable(table, state), f"a case that is {state} can never be closed"
    assert table[wf.CLOSED] == frozenset()


def test_nothing_leaves_without_approval():
    """Only an approval (submitted → sent) sends a request; nothing before it reaches sent."""
    into_sent = {state for state, targets in wf.OUTGOING.items() if wf.SENT in targets}
    assert into_sent == {wf.SUBMITTED}
    assert wf.SENT not in _reachable({**wf.OUTGOING, wf.SUBMITTED: frozenset({wf.RETURNED})}, wf.DRAFT)


def test_final_decisions_are_final():
    for state in (wf.REFUSED, wf.EXECUTED, wf.WITHDRAWN):
        assert wf.OUTGOING[state] == wf.INCOMING[state] == frozenset({wf.CLOSED})
    with pytest.raises(Conflict, match="cannot go from refused to recognised"):
        wf.check("outgoing", wf.REFUSED, wf.RECOGNISED)


def test_every_answer_an_executing_side_sends_is_a_move_its_requester_can_follow():
    for message_type in wf.REPLIES_ON_INCOMING:
        target = wf.target_of(message_type)
        if target is not None:
            assert any(target in targets for targets in wf.OUTGOING.values()), message_type
    assert wf.target_of("execution.result", "partial") == wf.PARTIALLY_EXECUTED
    assert wf.target_of("execution.result", "complete") == wf.EXECUTED
    assert wf.target_of("status.query") is None


RECEIVED = T
PLAIN = deadlines.Terms()


@pytest.mark.parametrize(
    ("state", "terms", "since", "expected"),
    [
        (wf.RECEIVED, PLAIN, T, ("acknowledge", T + timedelta(days=7))),
        (wf.ROUTED, deadlines.Terms(urgent=True), T, ("acknowledge", T + timedelta(days=2))),
        (wf.ACKNOWLEDGED, PLAIN, T + timedelta(days=3), ("decide", T + timedelta(days=30))),
        (wf.ACKNOWLEDGED, deadlines.Terms(urgent=True), T, ("decide", T + timedelta(days=10))),
        (wf.ACKNOWLEDGED, deadlines.Terms(provisional_measure=True), T, ("decide", T + timedelta(hours=24))),
        (wf.RECOGNISED, PLAIN, T + timedelta(days=20), ("execute", T + timedelta(days=110))),
        (wf.INFO_REQUESTED, PLAIN, T + timedelta(days=5), ("answer_questions", T + timedelta(days=19))),
        # A date the requesting side asked for caps every period...
        (
            wf.RECOGNISED,
            deadlines.Terms(requested_by=date(2026, 12, 15)),
            T,
            ("execute", datetime(2026, 12, 15, 23, 59, 59, tzinfo=UTC)),
        ),
        # ...but never lengthens one.
        (wf.RECEIVED, deadlines.Terms(requested_by=date(2027, 6, 1)), T, ("acknowledge", T + timedelta(days=7))),
        (wf.EXECUTED, PLAIN, T, None),
        (wf.CLOSED, PLAIN, T, None),
        (wf.DRAFT, PLAIN, T, None),
    ],
)
def test_deadlines(state, terms, since, expected):
    deadline = deadlines.current(state, terms, received_at=RECEIVED, since=since)
    assert (None if deadline is None else (deadline.kind, deadline.due_at)) == expected


def test_no_clock_runs_before_the_signed_receipt():
    assert deadlines.current(wf.SENT, PLAIN, received_at=None, since=T) is None


def test_terms_are_read_from_both_templates():
    mla = deadlines.terms_of("request.mla", samples.sample("request.mla"))
    assert mla == deadlines.Terms(urgent=True, requested_by=date(2027, 1, 31), provisional_measure=False)
    eio = samples.sample("request.eio")
    eio["section_b"] = {**eio.get("section_b", {}), "urgency_reasons": "Suspect leaves on 1 December."}
    assert deadlines.terms_of("request.eio", eio).urgent
    assert deadlines.terms_of("request.mla", {}) == PLAIN


@pytest.mark.parametrize(
    ("message_type", "instrument", "fits"),
    [
        ("ack.eio", "eio", True),
        ("ack.eio", "mla", False),
        ("ack.receipt", "mla", True),
        ("ack.receipt", "eio", False),
        ("ack.receipt", "jit", True),
        ("decision.refusal", "eio", True),
    ],
)
def test_the_acknowledgement_follows_the_instrument(message_type, instrument, fits):
    assert wf.fits_instrument(message_type, instrument) is fits
