"""The messages that answer and accompany a request (legal catalogue, section 7).

Every reply names both sides' references and the language its free text is written in. Refusal
and postponement grounds are the codes of the instrument the request was made under: a refusal
of an EIO cannot cite a ground of the 1959 Convention, and neither can cite bank secrecy (UNTOC
18(8)) or fiscal matters alone (UNTOC 18(22)), which are no grounds at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from protocols.v1.bodies import YesNo
from protocols.v1.templates.base import (
    REFERENCE,
    Attachment,
    Authority,
    Enumeration,
    Form,
    Translated,
    Translation,
    code,
    codes,
    country,
    date,
    distinct,
    language,
    require,
    short,
    text,
)

INSTRUMENT = Enumeration("instrument", ("mla", "eio"))
EIO_REFUSAL = Enumeration(
    "eio_refusal_ground",
    (
        "immunity_privilege_press",
        "national_security",
        "non_criminal_proceedings_not_authorised",
        "ne_bis_in_idem",
        "territoriality",
        "fundamental_rights",
        "double_criminality",
        "offence_list_or_threshold",
        "transfer_no_consent",
        "transfer_prolongs_detention",
        "videoconf_suspect_no_consent",
        "videoconf_contrary_fundamental_principles",
        "not_authorised_similar_domestic_case",
        "covert_no_agreement_on_arrangements",
    ),
)
MLA_REFUSAL = Enumeration(
    "mla_refusal_ground",
    (
        "political_offence",
        "fiscal_offence",
        "essential_interests",
        "search_seizure_conditions",
        "not_conforming_request",
        "domestic_law_prohibits_similar",
        "contrary_legal_system",
        "no_dual_criminality",
        "transfer_no_consent",
        "transfer_presence_needed_domestically",
        "transfer_prolongs_detention",
        "transfer_other_overriding",
        "videoconf_contrary_fundamental_principles",
        "videoconf_no_technical_means",
        "telephone_no_consent",
    ),
)
EIO_POSTPONEMENT = Enumeration(
    "eio_postponement_ground", ("prejudice_ongoing_investigation", "evidence_in_use_in_other_proceedings")
)
MLA_POSTPONEMENT = Enumeration("mla_postponement_ground", ("interferes_with_ongoing_investigation_prosecution",))
NOT_A_GROUND = {
    "bank_secrecy": "Bank secrecy is no ground for refusal (UNTOC 18(8)).",
    "fiscal_matters_only": "Fiscal matters alone are no ground for refusal (UNTOC 18(22)).",
}
INFO_REASON = Enumeration(
    "info_request_reason",
    ("incomplete", "incorrect", "additional_measures_suggested", "formalities_not_possible", "clarification", "other"),
)
COMPLETENESS = Enumeration("execution_completeness", ("partial", "complete"))
SPONTANEOUS_RATIONALE = Enumeration("spontaneous_rationale", ("may_assist_investigation", "may_lead_to_request"))
JIT_LEGAL_BASIS = Enumeration(
    "jit_legal_basis",
    (
        "EU_MLA2000_Art13",
        "FD_2002_465",
        "SAP_Art20",
        "UNTOC_Art19",
        "UNCAC_Art49",
        "UN1988_Art9",
        "bilateral",
        "national_law",
    ),
)
UNION_BODY = Enumeration("union_body", ("eurojust", "europol", "olaf", "eppo", "other_union_body", "international_org"))


class Reply(Translated):
    """What every reply carries: both references and the language of its free text."""

    our_reference = fields.String(required=True, validate=REFERENCE)
    their_reference = fields.String(required=True, validate=REFERENCE)
    language = language(required=True)
    translations = fields.List(fields.Nested(Translation))


class AckReceipt(Reply):
    """`ack.receipt`: the receiving authority confirms it has the request (good practice for MLA)."""

    received_on = date(required=True)
    receiving_authority = fields.Nested(Authority, required=True)
    forwarded_to = fields.Nested(Authority)
    forwarded_on = date()
    note = text()

    @validates_schema
    def _forwarded(self, data: Mapping[str, Any], **_kwargs: Any) -> None:
        """`forwarded_on` is required when `forwarded_to` is given."""
        require(data, (bool(data.get("forwarded_to")), "forwarded_on"))


class InfoRequest(Reply):
    """`info.request`: the executing side needs more, or something corrected (EIO 16(2); UNTOC 18(16))."""

    reason = code(INFO_REASON, required=True)
    sections = fields.List(short())
    questions = text(required=True)
    reply_by = date()


class InfoResponse(Reply):
    """`info.response`: the requesting side supplies what was asked for."""

    answers = text(required=True)
    attachments = fields.List(fields.Nested(Attachment))


class DecisionRecognition(Reply):
    """`decision.recognition`: the request is recognised and will be executed."""

    decided_on = date(required=True)
    executing_authority = fields.Nested(Authority, required=True)
    expected_completion = date()
    note = text()


def grounds_of(mla: Enumeration, eio: Enumeration) -> fields.List[Any]:
    """The `grounds` member of a decision: distinct codes of `mla` or `eio`, by the body's `instrument`."""
    return fields.List(
        fields.String(validate=validate.Length(max=64)),
        required=True,
        validate=[validate.Length(min=1), distinct],
        metadata={"enum_by_instrument": {"mla": mla.name, "eio": eio.name}},
    )


class _Grounds(Reply):
    """A decision that cites grounds: they are codes of the instrument the request was made under."""

    instrument = code(INSTRUMENT, required=True)

    def _check(self, data: Mapping[str, Any], eio: Enumeration, mla: Enumeration) -> None:
        allowed = eio if data.get("instrument") == "eio" else mla
        problems = []
        for ground in data.get("grounds") or []:
            if ground in NOT_A_GROUND:
                problems.append(NOT_A_GROUND[ground])
            elif ground not in allowed:
                problems.append(f"{ground} is not a ground under this instrument.")
        if problems:
            raise ValidationError({"grounds": problems})


class DecisionRefusal(_Grounds):
    """`decision.refusal`: refused, with the grounds and the reasons (ETS 30 Art. 19; UNTOC 18(23))."""

    decided_on = date(required=True)
    grounds = grounds_of(MLA_REFUSAL, EIO_REFUSAL)
    reasons = text(required=True)
    refused_in_part = YesNo()
    consultation_held = YesNo()

    @validates_schema
    def _grounds_of_instrument(self, data: Mapping[str, Any], **_kwargs: Any) -> None:
        """Every entry of `grounds` is a code of `eio_refusal_ground` when `instrument` is `eio`, and of
        `mla_refusal_ground` when it is `mla`; `bank_secrecy` (UNTOC 18(8)) and `fiscal_matters_only` (UNTOC 18(22))
        are refused as no grounds at all."""
        self._check(data, EIO_REFUSAL, MLA_REFUSAL)


class DecisionPostponement(_Grounds):
    """`decision.postponement`: execution waits, for a stated ground and time."""

    decided_on = date(required=True)
    grounds = grounds_of(MLA_POSTPONEMENT, EIO_POSTPONEMENT)
    reasons = text(required=True)
    expected_until = date()

    @validates_schema
    def _grounds_of_instrument(self, data: Mapping[str, Any], **_kwargs: Any) -> None:
        """Every entry of `grounds` is a code of `eio_postponement_ground` when `instrument` is `eio`, and of
        `mla_postponement_ground` when it is `mla`; `bank_secrecy` and `fiscal_matters_only` are refused as no
        grounds at all."""
        self._check(data, EIO_POSTPONEMENT, MLA_POSTPONEMENT)


class DecisionOtherMeasure(Reply):
    """`decision.other_measure`: a different measure will be used (EIO Art. 10)."""

    decided_on = date(required=True)
    original_measure = short(required=True)
    chosen_measure = short(required=True)
    reasons = text(required=True)


class ExecutionResult(Reply):
    """`execution.result`: what was done and what was obtained; partial results say what remains."""

    completeness = code(COMPLETENESS, required=True)
    results = text(required=True)
    outstanding = text()
    minutes = text()
    return_conditions = text()
    legal_remedy_pending = YesNo()
    attachments = fields.List(fields.Nested(Attachment))

    @validates_schema
    def _remaining(self, data: Mapping[str, Any], **_kwargs: Any) -> None:
        """`outstanding` is required when `completeness` is `partial`."""
        require(data, (data.get("completeness") == "partial", "outstanding"))


class SpontaneousInformation(Translated):
    """`info.spontaneous`: information offered without a request (SAP Art. 11; UNTOC 18(4))."""

    our_reference = fields.String(required=True, validate=REFERENCE)
    language = language(required=True)
    providing_authority = fields.Nested(Authority, required=True)
    receiving_authority = fields.Nested(Authority)
    information = text(required=True)
    rationale = code(SPONTANEOUS_RATIONALE, required=True)
    use_conditions = text()
    confidential = YesNo()
    translations = fields.List(fields.Nested(Translation))
    attachments = fields.List(fields.Nested(Attachment))


class JitParty(Form):
    """A state party to the proposed team and its competent authority."""

    state = country(required=True)
    competent_authority = fields.Nested(Authority, required=True)


class JitLeader(Form):
    """The leader of the team for one state."""

    name = short(required=True)
    position = short(required=True)
    authority = short(required=True)
    state = country(required=True)


class JitProposal(Translated):
    """`request.jit_proposal`: a joint investigation team proposed (model agreement, catalogue 4.1)."""

    our_reference = fields.String(required=True, validate=REFERENCE)
    their_reference = fields.String(validate=REFERENCE)
    language = language(required=True)
    legal_basis = codes(JIT_LEGAL_BASIS, required=True, min_items=1)
    parties = fields.List(fields.Nested(JitParty), required=True, validate=validate.Length(min=2))
    purpose = text(required=True)
    period_from = date(required=True)
    period_to = date(required=True)
    states_of_operation = fields.List(country(), required=True, validate=validate.Length(min=1))
    leaders = fields.List(fields.Nested(JitLeader), required=True, validate=validate.Length(min=1))
    union_bodies = codes(UNION_BODY)
    organisational_arrangements = text()
    translations = fields.List(fields.Nested(Translation))

    @validates_schema
    def _coherent(self, data: Mapping[str, Any], **_kwargs: Any) -> None:
        """`period_to` is later than `period_from`; the `parties` are different states; every entry of
        `states_of_operation`, and the `state` of every leader, is the `state` of one of the `parties`."""
        errors = {}
        if data.get("period_from") and data.get("period_to") and data["period_to"] <= data["period_from"]:
            errors["period_to"] = ["The team's period ends after it starts."]
        states = [p.get("state") for p in data.get("parties") or [] if isinstance(p, Mapping)]
        parties = set(states)
        if len(parties) != len(states):
            errors["parties"] = ["Each party is a different state."]
        if set(data.get("states_of_operation") or []) - parties:
            errors["states_of_operation"] = ["The team operates only in the parties' states."]
        leaders = {leader.get("state") for leader in data.get("leaders") or [] if isinstance(leader, Mapping)}
        if leaders - parties - {None}:
            errors["leaders"] = ["Each leader comes from one of the parties' states."]
        if errors:
            raise ValidationError(errors)


class Withdrawal(Reply):
    """`withdrawal`: the requesting side no longer needs the assistance (UNTOC 18(24))."""

    withdrawn_on = date(required=True)
    reason = text(required=True)
