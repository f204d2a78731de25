"""`request.eio` (Annex A of Directive 2014/41/EU) and `ack.eio` (its Annex B acknowledgement).

An EIO is possible only between two states bound by the Directive (the EU members except Denmark
and Ireland); the service that drafts it and the receiving node both check.

The sections follow the form (legal catalogue 1.2). The conditional rules of the form and the
Directive are enforced with field-level errors:

- each measure ticked in Section C needs its Section H block, and an H block needs its measure;
- Section L (validation) is required exactly when the issuing authority is "other competent
  authority" (Art. 2(c)(ii));
- Section D's details when it supplements an earlier EIO; B's details when urgent or dated;
- G's maximum penalty when an Annex D category is ticked (Art. 11(1)(g));
- Section F needs one of (a), (b), (c); (d) only adds to them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from protocols.v1.bodies import Missing, WholeNumber, YesNo
from protocols.v1.templates.base import (
    REFERENCE,
    Attachment,
    Authority,
    Contact,
    Enumeration,
    Form,
    Person,
    SignatureBlock,
    Translated,
    Translation,
    code,
    codes,
    country,
    date,
    language,
    languages,
    require,
    short,
    text,
)
from protocols.v1.templates.mla import OFFENCE_CATEGORY, InterceptionTarget

URGENCY = Enumeration("eio_urgency", ("evidence_concealed_or_destroyed", "imminent_trial_date", "other"))
MEASURE = Enumeration(
    "eio_measure",
    (
        "existing_evidence",
        "database_information",
        "hearing",
        "subscriber_identification",
        "transfer_custody_to_issuing",
        "transfer_custody_to_executing",
        "hearing_videoconference",
        "hearing_telephone",
        "bank_account_information",
        "banking_operations_information",
        "real_time_gathering",
        "covert_investigation",
        "interception_telecommunications",
        "provisional_measure",
    ),
)
HEARING_OF = Enumeration("hearing_of", ("witness", "expert", "suspected_or_accused", "victim", "third_party"))
REAL_TIME = Enumeration(
    "real_time_gathering", ("monitoring_banking_financial_operations", "controlled_delivery", "other")
)
PROCEEDINGS_TYPE = Enumeration(
    "eio_proceedings_type",
    ("a_criminal_judicial", "b_administrative_authority", "c_judicial_non_criminal", "d_legal_person_liability"),
)
TRANSFER_CONSENT = Enumeration("transfer_consent", ("yes", "no", "request_opinion_be_sought"))
YES_NO = Enumeration("yes_no", ("yes", "no"))
TRISTATE = Enumeration("tristate", ("yes", "no", "unknown"))
ITEM_DISPOSITION = Enumeration("item_disposition", ("transfer_to_issuing_state", "remain_in_executing_state"))
ACCOUNTS_REQUESTED = Enumeration(
    "accounts_requested",
    ("bank_accounts_held_or_power_of_attorney", "other_financial_accounts_held_or_power_of_attorney"),
)
OPERATIONS_REQUESTED = Enumeration("operations_requested", ("banking_operations", "other_financial_operations"))
EXECUTION_METHOD = Enumeration(
    "interception_execution", ("immediate_transmission", "recording_and_subsequent_transmission")
)
POST_PROCESSING = Enumeration("interception_post_processing", ("transcription", "decoding", "decrypting"))
AUTHORITY_TYPE = Enumeration(
    "eio_authority_type", ("judge_court_or_investigating_judge", "public_prosecutor", "other_competent_authority")
)
VALIDATOR_TYPE = Enumeration("eio_validator_type", ("judge_or_court", "investigating_judge", "public_prosecutor"))
MAIN_CONTACT = Enumeration("eio_main_contact", ("issuing_authority", "validating_authority"))


class SectionA(Form):
    """Section A: the issuing state and the executing state."""

    issuing_state = country(required=True)
    executing_state = country(required=True)


class SectionB(Form):
    """Section B: urgency and a requested deadline, with their reasons."""

    urgency_reasons = codes(URGENCY)
    urgency_details = text()
    requested_deadline = date()
    requested_deadline_reason = text()

    @validates_schema
    def _explained(self, data: Mapping[str, Any], **_kwargs: Any) -> None:
        """`urgency_details` is required when `urgency_reasons` is non-empty, and `requested_deadline_reason` when
        `requested_deadline` is given."""
        require(
            data,
            (bool(data.get("urgency_reasons")), "urgency_details"),
            (bool(data.get("requested_deadline")), "requested_deadline_reason"),
        )


# The Section C member that says whom (or what) a ticked measure concerns.
SUBTYPE_OF = {
    "hearing": "hearing_of",
    "hearing_videoconference": "videoconference_of",
    "hearing_telephone": "telephone_of",
    "real_time_gathering": "real_time_gathering",
}


class SectionC(Form):
    """Section C: the investigative measures to be carried out, and whom the hearings concern."""

    measures_description = text(required=True)
    measures = codes(MEASURE)
    hearing_of = codes(HEARING_OF)
    videoconference_of = codes(HEARING_OF)
    telephone_of = codes(HEARING_OF)
    real_time_gathering = codes(REAL_TIME)
    non_coercive = YesNo()

    @validates_schema
    def _subtypes(self, data: Mapping[str, Any], **_kwargs: Any) -> None:
        """When `measures` contains `hearing`, `hearing_videoconference`, `hearing_telephone` or
        `real_time_gathering`, the member `hearing_of`, `videoconference_of`, `telephone_of` or `real_time_gathering`
        respectively is required, and each of those members is given (non-empty) only when its measure is ticked.
        `telephone_of` may contain only `witness` and `expert` (Art. 25), and `videoconference_of` only `witness`,
        `expert` and `suspected_or_accused` (Art. 24)."""
        ticked = set(data.get("measures") or [])
        errors: dict[str, list[str]] = {}
        for measure, member in SUBTYPE_OF.items():
            given = bool(data.get(member))
            if measure in ticked and not given:
                errors[member] = [Missing("Required here.")]
            elif given and measure not in ticked:
                errors[member] = ["Only when its measure is ticked in Section C."]
        if set(data.get("telephone_of") or []) - {"witness", "expert"}:
            errors.setdefault("telephone_of", []).append("Only witnesses and experts are heard by telephone (Art. 25).")
        if set(data.get("videoconference_of") or []) - {"witness", "expert", "suspected_or_accused"}:
            errors.setdefault("videoconference_of", []).append(
                "Only witnesses, experts and suspects are heard by videoconference (Art. 24)."
            )
        if errors:
            raise ValidationError(errors)


class EarlierEio(Form):
    """The earlier EIO that this one supplements (Section D)."""

    date_of_issue = date(required=True)
    authority_transmitted_to = short(required=True)
    date_of_transmission = date()
    issuing_reference = fields.String(validate=REFERENCE)
    executing_reference = fields.String(validate=REFERENCE)


class SectionD(Form):
    """Section D: the relationship to an earlier EIO, and other states in the same case."""

    supplements_earlier_eio = YesNo(required=True)
    earlier_eio = fields.Nested(EarlierEio)
    other_states_same_case = text()

    @validates_schema
    def _earlier(self, data: Mapping[str, Any], **_kwargs: Any) -> None:
        """`earlier_eio` is required when `supplements_earlier_eio` is `true`."""
        require(data, (bool(data.get("supplements_earlier_eio")), "earlier_eio"))


class SectionE(Form):
    """Section E: the persons concerned, and where the measures are to be executed."""

    persons = fields.List(fields.Nested(Person))
    execution_location = text()
    other_helpful_information = text()


class SectionF(Form):
    """Section F: the type of proceedings the EIO is issued for (Art. 4)."""

    proceedings_type = codes(PROCEEDINGS_TYPE, required=True, min_items=1)

    @validates_schema
    def _main_type(self, data: Mapping[str, Any], **_kwargs: Any) -> None:
        """`proceedings_type` contains at least one of `a_criminal_judicial`, `b_administrative_authority` and
        `c_judicial_non_criminal`: `d_legal_person_liability` only adds to one of them."""
        if not set(data.get("proceedings_type") or []) - {"d_legal_person_liability"}:
            message = "Tick (a), (b) or (c); (d) only adds to one of them."
            raise ValidationError(
                {"proceedings_type": [Missing(message) if not data.get("proceedings_type") else message]}
            )


class SectionG(Form):
    """Section G: the grounds for issuing the EIO: facts, legal classification, Annex D categories."""

    facts_summary = text(required=True)
    legal_classification = text(required=True)
    annex_d_categories = codes(OFFENCE_CATEGORY)
    max_penalty_years = WholeNumber(validate=validate.Range(min=0, max=100))

    @validates_schema
    def _penalty(self, data: Mapping[str, Any], **_kwargs: Any) -> None:
        """`max_penalty_years` is required when `annex_d_categories` is non-empty, and must then be at least 3: Annex
        D applies only to offences punishable by at least three years (error at `annex_d_categories`)."""
        require(data, (bool(data.get("annex_d_categories")), "max_penalty_years"))
        if data.get("annex_d_categories") and (data.get("max_penalty_years") or 0) < 3:
            raise ValidationError(
                {"annex_d_categories": ["Annex D applies only to offences punishable by at least three years."]}
            )


class SectionH1(Form):
    """Temporary transfer of a person held in custody (Arts 22-23)."""

    consent_to_issuing = code(TRANSFER_CONSENT)
    consent_to_executing = code(YES_NO)
    return_by = date()
    custody_conditions = text()
    transit_states = fields.List(country())


class SectionH2(Form):
    """Hearing by videoconference or telephone (Arts 24-25)."""

    conducting_authority = fields.Nested(Authority, required=True)
    reasons = text(required=True)
    suspect_consent = code(TRISTATE)


class SectionH3(Form):
    """Provisional measures (Art. 32)."""

    item_disposition = code(ITEM_DISPOSITION, required=True)
    estimated_lifting_date = date()
    estimated_subsequent_request_date = date()

    @validates_schema
    def _remaining(self, data: Mapping[str, Any], **_kwargs: Any) -> None:
        """`estimated_lifting_date` and `estimated_subsequent_request_date` are required when `item_disposition` is
        `remain_in_executing_state`."""
        remains = data.get("item_disposition") == "remain_in_executing_state"
        require(data, (remains, ("estimated_lifting_date", "estimated_subsequent_request_date")))


class Period(Form):
    """The period and the accounts that a request for financial information covers (Section H4)."""

    period_from = date()
    period_to = date()
    accounts = fields.List(short())


class SectionH4(Form):
    """Bank and other financial accounts and operations (Arts 26-27)."""

    accounts_requested = codes(ACCOUNTS_REQUESTED)
    accounts_relevance = text()
    operations_requested = codes(OPERATIONS_REQUESTED)
    operations_relevance = text()
    period_and_accounts = fields.Nested(Period)

    @validates_schema
    def _relevance(self, data: Mapping[str, Any], **_kwargs: Any) -> None:
        """`accounts_relevance` is required when `accounts_requested` is non-empty, and `operations_relevance` when
        `operations_requested` is non-empty."""
        require(
            data,
            (bool(data.get("accounts_requested")), "accounts_relevance"),
            (bool(data.get("operations_requested")), "operations_relevance"),
        )


class SectionRelevance(Form):
    """H5 (real-time gathering) and H6 (covert investigations): why the measure is relevant."""

    relevance_reasons = text(required=True)


class SectionH7(Form):
    """Interception of telecommunications (Art. 30)."""

    relevance_reasons = text(required=True)
    subject_identification = text(required=True)
    desired_duration_days = WholeNumber(required=True, validate=validate.Range(min=1, max=365))
    technical_data = fields.List(fields.Nested(InterceptionTarget), required=True, validate=validate.Length(min=1))
    execution_method = code(EXECUTION_METHOD)
    post_processing = codes(POST_PROCESSING)


class SectionI(Form):
    """Section I: formalities requested for the execution, and assisting officials (Art. 9(2), (4))."""

    formalities_requested = text()
    issuing_officials_assist = YesNo()
    assisting_officials = fields.List(fields.Nested(Contact))
    assisting_officials_languages = languages()

    @validates_schema
    def _officials(self, data: Mapping[str, Any], **_kwargs: Any) -> None:
        """`assisting_officials` and `assisting_officials_languages` are required (non-empty) when
        `issuing_officials_assist` is `true`."""
        assist = bool(data.get("issuing_officials_assist"))
        require(data, (assist, ("assisting_officials", "assisting_officials_languages")))


class SectionJ(Form):
    """Section J: legal remedies already sought, and whom to ask about remedies."""

    remedy_already_sought = text()
    remedy_information_authority = fields.Nested(Contact, required=True)


class SectionK(Form):
    """Section K: the authority that issued the EIO, with its signature."""

    authority_type = code(AUTHORITY_TYPE, required=True)
    authority = fields.Nested(Authority, required=True)
    communication_languages = languages(required=True, min_items=1)
    practical_contact = fields.Nested(Contact)
    signature = fields.Nested(SignatureBlock, required=True)


class SectionL(Form):
    """Section L: the judicial authority that validated the EIO (Art. 2(c)(ii)), with its signature."""

    validator_type = code(VALIDATOR_TYPE, required=True)
    authority = fields.Nested(Authority, required=True)
    communication_languages = languages(required=True, min_items=1)
    main_contact_point = code(MAIN_CONTACT, required=True)
    signature = fields.Nested(SignatureBlock, required=True)


# Each measure of Section C that needs a Section H block, and that block.
H_BLOCK_OF = {
    "transfer_custody_to_issuing": "section_h1",
    "transfer_custody_to_executing": "section_h1",
    "hearing_videoconference": "section_h2",
    "hearing_telephone": "section_h2",
    "provisional_measure": "section_h3",
    "bank_account_information": "section_h4",
    "banking_operations_information": "section_h4",
    "real_time_gathering": "section_h5",
    "covert_investigation": "section_h6",
    "interception_telecommunications": "section_h7",
}


class EioRequest(Translated):
    """Annex A, sections A to L, with the message's reference and language."""

    our_reference = fields.String(required=True, validate=REFERENCE)
    language = language(required=True)
    section_a = fields.Nested(SectionA, required=True)
    section_b = fields.Nested(SectionB)
    section_c = fields.Nested(SectionC, required=True)
    section_d = fields.Nested(SectionD, required=True)
    section_e = fields.Nested(SectionE)
    section_f = fields.Nested(SectionF, required=True)
    section_g = fields.Nested(SectionG, required=True)
    section_h1 = fields.Nested(SectionH1)
    section_h2 = fields.Nested(SectionH2)
    section_h3 = fields.Nested(SectionH3)
    section_h4 = fields.Nested(SectionH4)
    section_h5 = fields.Nested(SectionRelevance)
    section_h6 = fields.Nested(SectionRelevance)
    section_h7 = fields.Nested(SectionH7)
    section_i = fields.Nested(SectionI)
    section_j = fields.Nested(SectionJ, required=True)
    section_k = fields.Nested(SectionK, required=True)
    section_l = fields.Nested(SectionL)
    translations = fields.List(fields.Nested(Translation))
    attachments = fields.List(fields.Nested(Attachment))

    @validates_schema
    def _form_rules(self, data: Mapping[str, Any], **_kwargs: Any) -> None:
        """`section_a.executing_state` differs from `section_a.issuing_state`, and `section_l` is present exactly
        when `section_k.authority_type` is `other_competent_authority` (Art. 2(c)(ii)). A Section H block is present
        (non-empty) exactly when `section_c.measures` contains a measure that needs it (the Section H table gives
        which), and `section_h1.consent_to_issuing` or `section_h1.consent_to_executing` is required when
        `transfer_custody_to_issuing` or `transfer_custody_to_executing` respectively is in `section_c.measures`
        (Arts 22, 23; error at `section_h1`). `section_h2.suspect_consent` is required when
        `section_c.videoconference_of` contains `suspected_or_accused` (Art. 24(2)(a): without that person's consent
        the executing state may refuse; error at `section_h2`)."""
        errors: dict[str, list[str]] = {}
        section_a = data.get("section_a") or {}
        if section_a.get("issuing_state") and section_a.get("issuing_state") == section_a.get("executing_state"):
            errors["section_a"] = ["The executing state is another state."]
        ticked = set((data.get("section_c") or {}).get("measures") or [])
        needed = {H_BLOCK_OF[m] for m in ticked if m in H_BLOCK_OF}
        present = {block for block in set(H_BLOCK_OF.values()) if data.get(block)}
        for block in sorted(needed - present):
            errors[block] = [Missing("Required for a measure ticked in Section C.")]
        for block in sorted(present - needed):
            errors[block] = ["Only for a measure ticked in Section C."]
        h1 = data.get("section_h1") or {}
        if "transfer_custody_to_issuing" in ticked and not h1.get("consent_to_issuing"):
            errors.setdefault("section_h1", []).append(Missing("State the person's consent to the transfer (Art. 22)."))
        if "transfer_custody_to_executing" in ticked and not h1.get("consent_to_executing"):
            errors.setdefault("section_h1", []).append(Missing("State the person's consent to the transfer (Art. 23)."))
        heard = set((data.get("section_c") or {}).get("videoconference_of") or [])
        h2 = data.get("section_h2") or {}
        if "suspected_or_accused" in heard and h2 and not h2.get("suspect_consent"):
            errors.setdefault("section_h2", []).append(
                Missing("State whether the suspected or accused person consents (Art. 24(2)(a)).")
            )
        other = (data.get("section_k") or {}).get("authority_type") == "other_competent_authority"
        if other and not data.get("section_l"):
            errors["section_l"] = [
                Missing("Required when the issuing authority is another competent authority (Art. 2(c)(ii)).")
            ]
        if not other and data.get("section_l"):
            errors["section_l"] = ["Only when the issuing authority is another competent authority."]
        if errors:
            raise ValidationError(errors)


# -- Annex B: confirmation of receipt --------------------------------------------------------------


class AckSectionA(Form):
    """Annex B, Section A: the EIO concerned, as the receiving authority identifies it."""

    issuing_authority = short(required=True)
    file_reference = fields.String(required=True, validate=REFERENCE)
    date_of_issue = date(required=True)
    date_of_receipt = date(required=True)


class AckSectionB(Form):
    """Annex B, Section B: the authority that received the EIO."""

    authority = fields.Nested(Authority, required=True)
    communication_languages = languages(required=True, min_items=1)


class AckSectionC(Form):
    """Annex B, Section C: the competent authority the EIO was transmitted to, if any."""

    authority = fields.Nested(Authority, required=True)
    date_of_transmission = date(required=True)
    communication_languages = languages()


class EioAcknowledgement(Form):
    """Annex B, sent within a week of receipt by each authority that receives the EIO (Art. 16(1))."""

    our_reference = fields.String(required=True, validate=REFERENCE)
    their_reference = fields.String(required=True, validate=REFERENCE)
    language = language(required=True)
    section_a = fields.Nested(AckSectionA, required=True)
    section_b = fields.Nested(AckSectionB, required=True)
    section_c = fields.Nested(AckSectionC)
    section_d = text()
    section_e = fields.Nested(SignatureBlock, required=True)
