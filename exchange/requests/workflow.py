"""The case state machines, outgoing and incoming, as explicit tables of allowed transitions.

A case moves only along these edges; every move is recorded with who and when. The states follow
the issue's list: draft; submitted for approval; returned with comments; approved and sent;
delivered (transport receipt); acknowledged; additional information requested / provided;
decided (recognised, refused, postponed, other measure); executed (partial results, results);
withdrawn; closed. Replies can arrive in any order a real executing authority might send them,
so the edges after delivery are generous; what never happens is skipping the four-eyes approval
before anything leaves, or leaving a final state.
"""

from __future__ import annotations

from collections.abc import Mapping

from exchange.errors import Conflict

DRAFT = "draft"
SUBMITTED = "submitted"
RETURNED = "returned"
SENT = "sent"
DELIVERED = "delivered"
ACKNOWLEDGED = "acknowledged"
INFO_REQUESTED = "info_requested"
INFO_PROVIDED = "info_provided"
RECOGNISED = "recognised"
REFUSED = "refused"
POSTPONED = "postponed"
OTHER_MEASURE = "other_measure"
PARTIALLY_EXECUTED = "partially_executed"
EXECUTED = "executed"
WITHDRAWN = "withdrawn"
CLOSED = "closed"
# Incoming only
RECEIVED = "received"
REGISTERED = "registered"
ROUTED = "routed"
# A reply whose conversation this node does not know: kept, shown to the contact points, closed by them.
UNMATCHED = "unmatched"

_AFTER_DELIVERY = (
    ACKNOWLEDGED,
    INFO_REQUESTED,
    RECOGNISED,
    REFUSED,
    POSTPONED,
    OTHER_MEASURE,
    PARTIALLY_EXECUTED,
    EXECUTED,
    WITHDRAWN,
)

OUTGOING: Mapping[str, frozenset[str]] = {
    DRAFT: frozenset({SUBMITTED, CLOSED}),
    SUBMITTED: frozenset({RETURNED, SENT}),
    RETURNED: frozenset({SUBMITTED, CLOSED}),
    SENT: frozenset({DELIVERED, *_AFTER_DELIVERY, CLOSED}),
    DELIVERED: frozenset(_AFTER_DELIVERY),
    ACKNOWLEDGED: frozenset(set(_AFTER_DELIVERY) - {ACKNOWLEDGED}),
    INFO_REQUESTED: frozenset({INFO_PROVIDED, RECOGNISED, REFUSED, POSTPONED, OTHER_MEASURE, WITHDRAWN}),
    INFO_PROVIDED: frozenset(
        {INFO_REQUESTED, RECOGNISED, REFUSED, POSTPONED, OTHER_MEASURE, PARTIALLY_EXECUTED, EXECUTED, WITHDRAWN}
    ),
    RECOGNISED: frozenset({INFO_REQUESTED, POSTPONED, PARTIALLY_EXECUTED, EXECUTED, WITHDRAWN}),
    POSTPONED: frozenset({INFO_REQUESTED, RECOGNISED, REFUSED, PARTIALLY_EXECUTED, EXECUTED, WITHDRAWN}),
    OTHER_MEASURE: frozenset({INFO_REQUESTED, RECOGNISED, REFUSED, PARTIALLY_EXECUTED, EXECUTED, WITHDRAWN}),
    PARTIALLY_EXECUTED: frozenset({INFO_REQUESTED, PARTIALLY_EXECUTED, EXECUTED, WITHDRAWN, CLOSED}),
    REFUSED: frozenset({CLOSED}),
    EXECUTED: frozenset({CLOSED}),
    WITHDRAWN: frozenset({CLOSED}),
    CLOSED: frozenset(),
}

INCOMING: Mapping[str, frozenset[str]] = {
    UNMATCHED: frozenset({CLOSED}),
    RECEIVED: frozenset({REGISTERED, WITHDRAWN}),
    REGISTERED: frozenset({ROUTED, WITHDRAWN}),
    ROUTED: frozenset({ACKNOWLEDGED, INFO_REQUESTED, RECOGNISED, REFUSED, POSTPONED, OTHER_MEASURE, WITHDRAWN, ROUTED}),
    ACKNOWLEDGED: frozenset({INFO_REQUESTED, RECOGNISED, REFUSED, POSTPONED, OTHER_MEASURE, WITHDRAWN, ROUTED}),
    INFO_REQUESTED: frozenset({INFO_PROVIDED, WITHDRAWN}),
    INFO_PROVIDED: frozenset({INFO_REQUESTED, RECOGNISED, REFUSED, POSTPONED, OTHER_MEASURE, WITHDRAWN}),
    RECOGNISED: frozenset({INFO_REQUESTED, POSTPONED, PARTIALLY_EXECUTED, EXECUTED, WITHDRAWN}),
    POSTPONED: frozenset({INFO_REQUESTED, RECOGNISED, REFUSED, PARTIALLY_EXECUTED, EXECUTED, WITHDRAWN}),
    OTHER_MEASURE: frozenset({INFO_REQUESTED, RECOGNISED, REFUSED, PARTIALLY_EXECUTED, EXECUTED, WITHDRAWN}),
    PARTIALLY_EXECUTED: frozenset({PARTIALLY_EXECUTED, EXECUTED, WITHDRAWN, CLOSED}),
    REFUSED: frozenset({CLOSED}),
    EXECUTED: frozenset({CLOSED}),
    WITHDRAWN: frozenset({CLOSED}),
    CLOSED: frozenset(),
}

# What a message moves a case to, seen from the side that receives it (incoming messages on
# outgoing cases, and the other way round), and from the side that sends it.
ON_RECEIVED: Mapping[str, str] = {
    "ack.receipt": ACKNOWLEDGED,
    "ack.eio": ACKNOWLEDGED,
    "info.request": INFO_REQUESTED,
    "info.response": INFO_PROVIDED,
    "decision.recognition": RECOGNISED,
    "decision.refusal": REFUSED,
    "decision.postponement": POSTPONED,
    "decision.other_measure": OTHER_MEASURE,
    "withdrawal": WITHDRAWN,
}
ON_SENT: Mapping[str, str] = dict(ON_RECEIVED)

# The replies each side may draft on a case, by the case's direction.
REPLIES_ON_INCOMING = (
    "ack.receipt",
    "ack.eio",
    "info.request",
    "decision.recognition",
    "decision.refusal",
    "decision.postponement",
    "decision.other_measure",
    "execution.result",
    "status.reply",
    "consultation",
)
REPLIES_ON_OUTGOING = ("info.response", "withdrawal", "status.query", "consultation")
FINAL = frozenset({CLOSED})


def fits_instrument(message_type: str, instrument: str) -> bool:
    """Whether `message_type` answers a case of `instrument`: the acknowledgement follows the form.

    An EIO is acknowledged with its Annex B (Art. 16(1)), any other request with the general
    acknowledgement; an Annex B on an MLA case would also be refused by the peer's node, after a
    contact point had approved it.
    """
    if message_type == "ack.eio":
        return instrument == "eio"
    if message_type == "ack.receipt":
        return instrument != "eio"
    return True


def table(direction: str) -> Mapping[str, frozenset[str]]:
    return OUTGOING if direction == "outgoing" else INCOMING


def target_of(message_type: str, body_completeness: str | None = None) -> str | None:
    """The state a message moves its case to (None: it does not move it)."""
    if message_type == "execution.result":
        return PARTIALLY_EXECUTED if body_completeness == "partial" else EXECUTED
    return ON_RECEIVED.get(message_type)


def check(direction: str, current: str, target: str) -> None:
    """Raise Conflict unless the case may move from `current` to `target`."""
    if target not in table(direction).get(current, frozenset()):
        raise Conflict(f"a {direction} case cannot go from {current} to {target}")


def can(direction: str, current: str, target: str) -> bool:
    return target in table(direction).get(current, frozenset())
