"""`request.mla`: a mutual legal assistance request outside the EIO (legal catalogue 2.2, 2.3, 2.5).

The superset of what ETS 30 Art. 14, the Second Additional Protocol and UNTOC Art. 18(15) ask a
request to contain, with the measure catalogue and the details each measure needs. Conditional
rules of the instruments are checked here, so a request that could be refused as incomplete is
caught while it is drafted:

- the facts are summarised unless the request only asks for service of documents (ETS 30 14(2));
- a deadline comes with its reason, urgency with its explanation (UNTOC 18(24));
- temporary transfers of persons in custody go ministry to ministry (SAP Art. 4 / ETS 30 15(2));
- a videoconference hearing of an accused needs the accused's consent stated (SAP 9(8));
- a bilateral treaty or domestic law named as legal basis is identified;
- measures point only at persons the request lists.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

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
    distinct,
    language,
    require,
    short,
    text,
)

LEGAL_BASIS = Enumeration(
    "mla_legal_basis",
    (
        "ETS030",  # 1959 European Convention on Mutual Assistance in Criminal Matters
        "ETS099",  # 1978 Additional Protocol
        "ETS182",  # 2001 Second Additional Protocol
        "ETS185",  # Budapest Convention on Cybercrime
        "UNTOC",  # UN Convention against Transnational Organized Crime
        "UNTOC_TIP",  # its Trafficking in Persons Protocol
        "UNTOC_SOM",  # its Smuggling of Migrants Protocol
        "UNCAC",
        "UN1988",  # 1988 Vienna Convention (drugs)
        "bilateral",
        "reciprocity",
        "domestic_law",
    ),
)
CHANNEL = Enumeration(
    "mla_channel",
    (
        "ministry_to_ministry",
        "judicial_direct",
        "ministry_only_transfer",
        "admin_direct",
        "competent_authority_direct",
        "judicial_records_direct",
        "convictions_copies_direct",
        "interpol_urgent",
        "electronic",
        "bilateral_direct",
    ),
)
URGENCY = Enumeration(
    "mla_urgency",
    ("evidence_risk", "custody_time_limits", "imminent_trial", "statute_of_limitations", "danger_to_life", "other"),
)
STAGE = Enumeration(
    "proceedings_stage",
    (
        "pre_investigation",
        "investigation",
        "prosecution_indicted",
        "trial",
        "appeal",
        "enforcement",
        "administrative_proceedings",
    ),
)
# Annex D of the EIO Directive (the 32 EAW categories); reused as offence tags in MLA requests.
OFFENCE_CATEGORY = Enumeration(
    "offence_category",
    (
        "criminal_organisation",
        "terrorism",
        "trafficking_human_beings",
        "child_sexual_exploitation",
        "drug_trafficking",
        "weapons_trafficking",
        "corruption",
        "fraud_incl_eu_financial_interests",
        "money_laundering",
        "currency_counterfeiting",
        "computer_crime",
        "environmental_crime",
        "facilitation_unauthorised_entry_residence",
        "murder_grievous_bodily_injury",
        "organ_trafficking",
        "kidnapping_hostage_taking",
        "racism_xenophobia",
        "organised_armed_robbery",
        "cultural_goods_trafficking",
        "swindling",
        "racketeering_extortion",
        "counterfeiting_piracy_products",
        "forgery_admin_documents",
        "forgery_means_of_payment",
        "hormonal_substances_trafficking",
        "nuclear_radioactive_trafficking",
        "stolen_vehicles_trafficking",
        "rape",
        "arson",
        "icc_crimes",
        "aircraft_ship_seizure",
        "sabotage",
    ),
)
MEASURE = Enumeration(
    "mla_measure",
    (
        "take_evidence_witness",
        "take_evidence_expert",
        "hear_suspect_accused",
        "hear_victim",
        "service_of_documents",
        "search_and_seizure",
        "freezing_provisional_measure",
        "examine_objects_sites",
        "expert_evaluation",
        "records_documents",
        "trace_proceeds_instrumentalities",
        "voluntary_appearance",
        "transfer_custody_to_requesting",
        "transfer_custody_to_requested",
        "videoconference_hearing",
        "telephone_hearing",
        "judicial_records_extract",
        "restitution",
        "cross_border_observation",
        "controlled_delivery",
        "covert_investigation",
        "joint_investigation_team",
        "interception_telecommunications",
        "cyber_preservation",
        "cyber_preserved_traffic_disclosure",
        "cyber_stored_data_access",
        "cyber_realtime_traffic",
        "cyber_content_interception",
        "other",
    ),
)
TRISTATE = Enumeration("tristate", ("yes", "no", "unknown"))
RECORDING = Enumeration("recording", ("none", "audio", "video"))
FREEZING_PURPOSE = Enumeration(
    "freezing_purpose", ("preserve_evidence", "maintain_situation", "protect_legal_interests", "confiscation")
)
HEARD_AS = Enumeration("heard_as", ("witness", "expert", "accused"))
SUBSTITUTION = Enumeration("controlled_delivery_handling", ("intact", "removed", "replaced"))
TARGET_KIND = Enumeration(
    "target_kind", ("mobile_phone", "landline", "email", "internet_connection", "ip_address", "other")
)
CONFIDENTIALITY_SCOPE = Enumeration("confidentiality_scope", ("fact_of_request", "content", "both"))


class LegalBasis(Form):
    """One instrument the request relies on (ETS 30 Art. 14; UNTOC 18(15))."""

    code = code(LEGAL_BASIS, required=True)
    # The treaty (for `bilateral`) or the statute (for `domestic_law`) relied on.
    reference = short()

    @validates_schema
    def _identified(self, data: Mapping[str, Any], **_kwargs: Any) -> None:
        """`reference` (the treaty or statute relied on) is required when `code` is `bilateral` or `domestic_law`."""
        require(data, (data.get("code") in ("bilateral", "domestic_law"), "reference"))


class Offence(Form):
    """One offence the proceedings concern: its classification, the provisions and the penalty."""

    legal_classification = short(required=True)
    statutory_provisions = text(required=True)
    max_penalty_years = WholeNumber(validate=validate.Range(min=0, max=100))
    offence_tags = codes(OFFENCE_CATEGORY)
    limitation_date = date()


class Proceedings(Form):
    """The proceedings the request is made for: their stage and nature."""

    stage = code(STAGE, required=True)
    nature = text(required=True)


class RelatedRequest(Form):
    """An earlier or parallel request in the same matter, by its reference."""

    reference = fields.String(required=True, validate=REFERENCE)
    date = date()
    recipient = short()


class Presence(Form):
    """Whether officials of the requesting state ask to be present at the execution, and who."""

    requested = YesNo(required=True)
    persons = fields.List(fields.Nested(Contact))


class Confidentiality(Form):
    """Whether the request and its content are to be kept confidential, how far, and why."""

    required = YesNo(required=True)
    scope = code(CONFIDENTIALITY_SCOPE)
    reasons = text()

    @validates_schema
    def _explained(self, data: Mapping[str, Any], **_kwargs: Any) -> None:
        """`scope` and `reasons` are required when `required` is `true`."""
        require(data, (bool(data.get("required")), ("scope", "reasons")))


class DataProtection(Form):
    """Conditions on the use of personal data sent in execution, and onward transfer."""

    conditions = text()
    onward_transfer_consent_required = YesNo()


# -- per-measure details -------------------------------------------------------------------------


class HearingDetails(Form):
    """Details of a hearing: the questions, oath, caution, defence presence and recording."""

    questions = fields.List(text())
    oath_requested = YesNo()
    caution_wording = text()
    defence_presence = YesNo()
    recording = code(RECORDING)
    verbatim_minutes = YesNo()


class ServiceDetails(Form):
    """Details of service of documents: the addressee (a listed person), address, documents."""

    addressee_ref = short(required=True)
    address = short(required=True)
    documents = fields.List(fields.Nested(Attachment))
    proof_of_service_required = YesNo()
    appearance_date = date()


class SearchDetails(Form):
    """Details of a search and seizure: what is searched, what is sought, chain of custody."""

    premises_or_objects = text(required=True)
    items_sought = text(required=True)
    chain_of_custody = text()


class FreezingDetails(Form):
    """Details of a freezing or provisional measure: its purpose, the assets, a time limit."""

    purpose = code(FREEZING_PURPOSE, required=True)
    assets = text(required=True)
    time_limit_days = WholeNumber(validate=validate.Range(min=1, max=3650))


class RecordsDetails(Form):
    """Details of a request for records or documents: holder, kinds of record, period, accounts."""

    record_holder = short()
    record_types = text(required=True)
    period_from = date()
    period_to = date()
    accounts = fields.List(short())
    originals_required = YesNo()


class TransferDetails(Form):
    """Details of a temporary transfer of a person in custody (ETS 30 Art. 11; SAP Art. 13)."""

    purpose = text(required=True)
    person_consent = code(TRISTATE, required=True)
    return_by = date()
    custody_conditions = text()
    transit_states = fields.List(country())


class VideoconferenceDetails(Form):
    """Details of a hearing by videoconference (SAP Art. 9): why, who conducts it, who is heard."""

    why_not_in_person = text(required=True)
    conducting_persons = fields.List(fields.Nested(Contact), required=True, validate=validate.Length(min=1))
    heard_as = code(HEARD_AS, required=True)
    accused_consent = code(TRISTATE)
    interpreter_language = language()
    protective_measures = text()

    @validates_schema
    def _accused_consents(self, data: Mapping[str, Any], **_kwargs: Any) -> None:
        """`accused_consent` is required when `heard_as` is `accused` (SAP Art. 9(8)); any of its codes, `no` and
        `unknown` included, satisfies the rule."""
        require(data, (data.get("heard_as") == "accused", "accused_consent"))


class TelephoneDetails(Form):
    """Details of a hearing by telephone conference (SAP Art. 10)."""

    conducting_persons = fields.List(fields.Nested(Contact), required=True, validate=validate.Length(min=1))
    witness_or_expert_consents = YesNo(required=True)


class ObservationDetails(Form):
    """Details of cross-border observation (SAP Art. 17): offence, officers, vehicles, period."""

    offence = short(required=True)
    officers = fields.List(short(), required=True, validate=validate.Length(min=1))
    vehicles = fields.List(short())
    expected_entry_points = short()
    weapons_carried = YesNo(required=True)
    start = date(required=True)
    duration_days = WholeNumber(required=True, validate=validate.Range(min=1, max=365))


class ControlledDeliveryDetails(Form):
    """Details of a controlled delivery (SAP Art. 18): consignment, route, handling."""

    consignment = text(required=True)
    route_and_timing = text(required=True)
    handling = code(SUBSTITUTION, required=True)


class CovertDetails(Form):
    """Details of a covert investigation (SAP Art. 19): the officers' cover, duration, conditions."""

    officers_cover = text(required=True)
    duration_days = WholeNumber(required=True, validate=validate.Range(min=1, max=3650))
    conditions = text()
    legal_status_of_officers = text()
    security_measures = text()


class JitDetails(Form):
    """Details of a joint investigation team asked for as a measure (SAP Art. 20)."""

    proposed_composition = text(required=True)
    purpose = text(required=True)
    duration_days = WholeNumber(validate=validate.Range(min=1, max=3650))
    states_of_operation = fields.List(country())


class InterceptionTarget(Form):
    """One target of an interception: what kind of identifier, and the identifier."""

    kind = code(TARGET_KIND, required=True)
    value = short(required=True)


class InterceptionDetails(Form):
    """Details of an interception of telecommunications: targets, duration, relevance."""

    targets = fields.List(fields.Nested(InterceptionTarget), required=True, validate=validate.Length(min=1))
    duration_days = WholeNumber(required=True, validate=validate.Range(min=1, max=365))
    relevance = text(required=True)


class CyberDetails(Form):
    """Details of a Budapest Convention measure (ETS 185 Arts 29-31, 33-34): provider, identifiers."""

    service_provider = short()
    identifiers = fields.List(short(), required=True, validate=validate.Length(min=1))
    data_types = text()
    period_from = date()
    period_to = date()


class OtherDetails(Form):
    """Details of a measure not in the catalogue: what is asked for."""

    description = text(required=True)


class NoDetails(Form):
    """Measures whose description says all that is needed."""


MEASURE_DETAILS: Mapping[str, type[Form]] = {
    "take_evidence_witness": HearingDetails,
    "take_evidence_expert": HearingDetails,
    "hear_suspect_accused": HearingDetails,
    "hear_victim": HearingDetails,
    "service_of_documents": ServiceDetails,
    "search_and_seizure": SearchDetails,
    "freezing_provisional_measure": FreezingDetails,
    "examine_objects_sites": NoDetails,
    "expert_evaluation": NoDetails,
    "records_documents": RecordsDetails,
    "trace_proceeds_instrumentalities": NoDetails,
    "voluntary_appearance": NoDetails,
    "transfer_custody_to_requesting": TransferDetails,
    "transfer_custody_to_requested": TransferDetails,
    "videoconference_hearing": VideoconferenceDetails,
    "telephone_hearing": TelephoneDetails,
    "judicial_records_extract": NoDetails,
    "restitution": NoDetails,
    "cross_border_observation": ObservationDetails,
    "controlled_delivery": ControlledDeliveryDetails,
    "covert_investigation": CovertDetails,
    "joint_investigation_team": JitDetails,
    "interception_telecommunications": InterceptionDetails,
    "cyber_preservation": CyberDetails,
    "cyber_preserved_traffic_disclosure": CyberDetails,
    "cyber_stored_data_access": CyberDetails,
    "cyber_realtime_traffic": CyberDetails,
    "cyber_content_interception": CyberDetails,
    "other": OtherDetails,
}
# Measures that concern a person the request lists (the details or person_refs must name them).
PERSON_MEASURES = frozenset(
    {
        "take_evidence_witness",
        "take_evidence_expert",
        "hear_suspect_accused",
        "hear_victim",
        "transfer_custody_to_requesting",
        "transfer_custody_to_requested",
        "videoconference_hearing",
        "telephone_hearing",
        "voluntary_appearance",
    }
)
TRANSFERS = frozenset({"transfer_custody_to_requesting", "transfer_custody_to_requested"})


class Measure(Form):
    """One measure asked for: what and why, whom it concerns, and the details its code needs."""

    code = code(MEASURE, required=True)
    description = text(required=True)
    person_refs = fields.List(short(), validate=[validate.Length(max=100), distinct])
    details = fields.Dict(keys=fields.String(), load_default=dict)

    @classmethod
    def member_schema(cls, name: str, data: Mapping[str, Any]) -> type[Schema] | None:
        """`details` follows the measure-details table for `code`."""
        return MEASURE_DETAILS.get(str(data.get("code", ""))) if name == "details" else None

    @validates_schema
    def _details(self, data: Mapping[str, Any], **_kwargs: Any) -> None:
        """`details` (absent counts as `{}`) must be a valid object of the details schema that the measure-details
        table gives for `code`, its errors reported under `details`. `person_refs` is required (at least one entry)
        when that table marks `code` as concerning a person."""
        schema = MEASURE_DETAILS.get(data.get("code", ""))
        if schema is None:
            return
        errors = details_schema(schema).validate(data.get("details") or {})
        if errors:
            raise ValidationError({"details": errors})
        require(data, (data.get("code") in PERSON_MEASURES, "person_refs"))


_DETAIL_SCHEMAS: dict[type[Form], Form] = {}


def details_schema(schema: type[Form]) -> Form:
    if schema not in _DETAIL_SCHEMAS:
        _DETAIL_SCHEMAS[schema] = schema()
    return _DETAIL_SCHEMAS[schema]


class MlaRequest(Translated):
    """The request itself (legal catalogue 2.3)."""

    our_reference = fields.String(required=True, validate=REFERENCE)
    legal_basis = fields.List(fields.Nested(LegalBasis), required=True, validate=validate.Length(min=1))
    requesting_state = country(required=True)
    requested_state = country(required=True)
    requesting_authority = fields.Nested(Authority, required=True)
    conducting_authority = fields.Nested(Authority)
    conducting_authority_functions = text()
    central_authority_path = fields.List(fields.Nested(Authority))
    channel = code(CHANNEL, required=True)
    related_requests = fields.List(fields.Nested(RelatedRequest))
    urgency = codes(URGENCY)
    urgency_reasons = text()
    deadline = date()
    deadline_reason = text()
    proceedings = fields.Nested(Proceedings, required=True)
    offences = fields.List(fields.Nested(Offence), required=True, validate=validate.Length(min=1))
    facts_summary = text()
    link_facts_to_measures = text(required=True)
    persons = fields.List(fields.Nested(Person))
    assistance_sought = fields.List(fields.Nested(Measure), required=True, validate=validate.Length(min=1))
    procedures_requested = text()
    presence_of_officials = fields.Nested(Presence)
    confidentiality = fields.Nested(Confidentiality)
    use_limitation_acknowledged = YesNo()
    data_protection = fields.Nested(DataProtection)
    costs_note = text()
    contact_for_execution = fields.Nested(Contact, required=True)
    language = language(required=True)
    translations = fields.List(fields.Nested(Translation))
    attachments = fields.List(fields.Nested(Attachment))
    signature = fields.Nested(SignatureBlock, required=True)

    @validates_schema
    def _instrument_rules(self, data: Mapping[str, Any], **_kwargs: Any) -> None:
        """`requested_state` differs from `requesting_state`; `facts_summary` is required unless every measure in
        `assistance_sought` is `service_of_documents` (ETS 30 Art. 14(2)); `deadline_reason` is required when
        `deadline` is given, and `urgency_reasons` when `urgency` is non-empty. When a measure is
        `transfer_custody_to_requesting` or `transfer_custody_to_requested`, `channel` is `ministry_to_ministry` or
        `ministry_only_transfer`. Every entry of a measure's `person_refs` and every measure's
        `details.addressee_ref` is the `person_ref` of a person in `persons` (error at `assistance_sought`), and no
        two persons share a `person_ref`."""
        errors: dict[str, list[str]] = {}
        measures = [m for m in data.get("assistance_sought") or [] if isinstance(m, Mapping)]
        measure_codes = {m.get("code") for m in measures}
        if data.get("requesting_state") and data.get("requesting_state") == data.get("requested_state"):
            errors["requested_state"] = ["A request goes to another state."]
        if measure_codes - {"service_of_documents"} and not data.get("facts_summary"):
            errors["facts_summary"] = [Missing("Required unless the request only asks for service of documents.")]
        if data.get("deadline") and not data.get("deadline_reason"):
            errors["deadline_reason"] = [Missing("Give the reason for the deadline.")]
        if data.get("urgency") and not data.get("urgency_reasons"):
            errors["urgency_reasons"] = [Missing("Explain the urgency.")]
        if measure_codes & TRANSFERS and data.get("channel") not in ("ministry_to_ministry", "ministry_only_transfer"):
            message = "Temporary transfers of persons in custody go ministry to ministry."
            errors["channel"] = [Missing(message) if not data.get("channel") else message]
        listed = {p.get("person_ref") for p in data.get("persons") or [] if isinstance(p, Mapping)}
        refs = {ref for m in measures for ref in m.get("person_refs") or []}
        refs |= {(m.get("details") or {}).get("addressee_ref") for m in measures} - {None}
        if refs - listed:
            errors["assistance_sought"] = [f"Measures name persons not listed: {', '.join(sorted(refs - listed))}."]
        if len(listed) != len(data.get("persons") or []):
            errors["persons"] = ["Each person needs a distinct person_ref."]
        if errors:
            raise ValidationError(errors)
