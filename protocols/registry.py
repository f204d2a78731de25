"""Protocol versions as named feature sets, and the message types each version carries.

Code asks `version.supports(Feature.BATCH)`, never compares version strings: a node that speaks a
later version with a feature removed, or an earlier one without it, is handled by the same test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from marshmallow import Schema

from protocols.errors import ProtocolError, Reason
from protocols.v1 import bodies
from protocols.v1.templates import eio, mla, replies
from protocols.v1.templates.base import bound_by_eio_directive


class Feature(StrEnum):
    """Capabilities a protocol version may have."""

    SIGNED_ENVELOPES = "signed-envelopes"  # sign, encrypt, sign envelopes (DESIGN property 4)
    BATCH = "batch"  # up to 50 envelopes in one POST
    PING = "ping"  # liveness: POST /federation/v1/ping
    DUPLICATE_RECEIPTS = "duplicate-receipts"  # a repeat delivery gets the original receipt back
    DIRECTORY_GOSSIP = "directory-gossip"  # peers announce their directory version in a header


@dataclass(frozen=True)
class ProtocolVersion:
    """One wire protocol version and what it can do."""

    name: str
    major: int
    features: frozenset[Feature]

    def supports(self, feature: Feature) -> bool:
        return feature in self.features


MLA_EXCHANGE_1 = ProtocolVersion(
    name="mla-exchange/1",
    major=1,
    features=frozenset(Feature),
)

PROTOCOLS: Mapping[str, ProtocolVersion] = {MLA_EXCHANGE_1.name: MLA_EXCHANGE_1}
CURRENT = MLA_EXCHANGE_1


def protocol(name: str) -> ProtocolVersion:
    """The protocol version called `name`, or ProtocolError(unsupported_protocol)."""
    try:
        return PROTOCOLS[name]
    except KeyError:
        raise ProtocolError(Reason.UNSUPPORTED_PROTOCOL, "protocol version is not supported") from None


def best_common(theirs: Iterable[str]) -> ProtocolVersion | None:
    """The highest protocol version both we and a peer (listing `theirs`) speak."""
    common = [PROTOCOLS[name] for name in theirs if name in PROTOCOLS]
    return max(common, key=lambda version: version.major, default=None)


@dataclass(frozen=True)
class MessageType:
    """A message type: its name on the wire, its body schema, and the rules that apply to it."""

    name: str
    description: str
    body_schema: type[Schema]
    requires_approval: bool = False
    # Which (sender country, recipient country) pairs may carry the type; None: any pair. Checked by
    # the receiver against the directory, so a node cannot send an instrument the law does not
    # give it (an EIO to a state outside the Directive) just by skipping its own checks.
    allowed_between: Callable[[str, str], bool] | None = None

    def body_errors(self, body: Any) -> dict[str, Any]:
        return bodies.body_errors(self.body_schema, body)

    def draft_errors(self, body: Any) -> dict[str, Any]:
        return bodies.draft_errors(self.body_schema, body)


_V1_TYPES = (
    MessageType("status.query", "Status query on a request (UNTOC 18(24))", bodies.StatusQuery),
    MessageType("status.reply", "Reply to a status query", bodies.StatusReply),
    MessageType("consultation", "Consultation between authorities (EIO 6(3), 11(4))", bodies.Consultation),
    # Formal acts: a contact point approved them, and the approval chain inside says who (four eyes).
    MessageType("request.mla", "MLA request (ETS 30, SAP, UNTOC 18(15))", mla.MlaRequest, requires_approval=True),
    MessageType(
        "request.eio",
        "European Investigation Order (Annex A)",
        eio.EioRequest,
        requires_approval=True,
        allowed_between=bound_by_eio_directive,
    ),
    MessageType(
        "request.jit_proposal", "Joint investigation team proposal", replies.JitProposal, requires_approval=True
    ),
    MessageType(
        "ack.eio",
        "EIO confirmation of receipt (Annex B)",
        eio.EioAcknowledgement,
        requires_approval=True,
        allowed_between=bound_by_eio_directive,
    ),
    MessageType("ack.receipt", "Acknowledgement of receipt", replies.AckReceipt, requires_approval=True),
    MessageType("info.request", "Request for additional information", replies.InfoRequest, requires_approval=True),
    MessageType("info.response", "Additional information provided", replies.InfoResponse, requires_approval=True),
    MessageType("decision.recognition", "Decision: recognised", replies.DecisionRecognition, requires_approval=True),
    MessageType("decision.refusal", "Decision: refused", replies.DecisionRefusal, requires_approval=True),
    MessageType("decision.postponement", "Decision: postponed", replies.DecisionPostponement, requires_approval=True),
    MessageType(
        "decision.other_measure", "Decision: other measure", replies.DecisionOtherMeasure, requires_approval=True
    ),
    MessageType("execution.result", "Execution result", replies.ExecutionResult, requires_approval=True),
    MessageType("info.spontaneous", "Spontaneous information", replies.SpontaneousInformation, requires_approval=True),
    MessageType("withdrawal", "Withdrawal of a request", replies.Withdrawal, requires_approval=True),
)

MESSAGE_TYPES: Mapping[str, Mapping[str, MessageType]] = {
    MLA_EXCHANGE_1.name: {message_type.name: message_type for message_type in _V1_TYPES},
}


def message_type(version: ProtocolVersion, name: str) -> MessageType:
    """The message type `name` in `version`, or ProtocolError(unknown_message_type)."""
    try:
        return MESSAGE_TYPES[version.name][name]
    except KeyError:
        raise ProtocolError(Reason.UNKNOWN_MESSAGE_TYPE, f"message type {name!r} is not known") from None
