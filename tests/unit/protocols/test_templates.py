"""The legal templates: every sample is valid, and each broken rule is reported at its field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from exchange.demo.samples import sample
from protocols import registry
from protocols.v1.templates.base import instrument_between

V1 = registry.MLA_EXCHANGE_1
TYPES = [
    "request.mla",
    "request.eio",
    "ack.eio",
    "ack.receipt",
    "info.request",
    "info.response",
    "decision.recognition",
    "decision.refusal",
    "decision.postponement",
    "decision.other_measure",
    "execution.result",
    "info.spontaneous",
    "request.jit_proposal",
    "withdrawal",
]


def paths(errors: Any, prefix: str = "") -> set[str]:
    """Dotted paths of marshmallow's nested error dict (list indexes included)."""
    found: set[str] = set()
    if isinstance(errors, dict):
        for key, value in errors.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            found |= paths(value, path) if isinstance(value, dict) else {path}
    return found


def errors_of(message_type: str, body: dict[str, Any]) -> set[str]:
    return paths(registry.message_type(V1, message_type).body_errors(body))


@pytest.mark.parametrize("message_type", TYPES)
def test_samples_are_valid(message_type):
    assert errors_of(message_type, sample(message_type)) == set()


@pytest.mark.parametrize("message_type", TYPES)
def test_formal_acts_need_the_four_eyes_chain(message_type):
    assert registry.message_type(V1, message_type).requires_approval


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(body: dict[str, Any]) -> None:
        target: Any = body
        *parents, last = path.split(".")
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        key: Any = int(last) if isinstance(target, list) else last
        if value is _DELETE:
            del target[key]
        else:
            target[key] = value

    return change


_DELETE = object()

MLA_CASES = [
    ("requesting authority missing", _set("requesting_authority", _DELETE), {"requesting_authority"}),
    ("no facts summary", _set("facts_summary", _DELETE), {"facts_summary"}),
    ("deadline without reason", _set("deadline_reason", _DELETE), {"deadline_reason"}),
    ("urgency without reasons", _set("urgency_reasons", _DELETE), {"urgency_reasons"}),
    ("same state twice", _set("requested_state", "BA"), {"requested_state"}),
    ("unknown country", _set("requested_state", "YU"), {"requested_state"}),
    ("bilateral treaty not named", _set("legal_basis.0", {"code": "bilateral"}), {"legal_basis.0.reference"}),
    ("no legal basis", _set("legal_basis", []), {"legal_basis"}),
    (
        "measure names an unlisted person",
        _set("assistance_sought.0.person_refs", ["X9"]),
        {"assistance_sought"},
    ),
    (
        "a hearing without the person heard",
        _set("assistance_sought.0.person_refs", _DELETE),
        {"assistance_sought.0.person_refs"},
    ),
    (
        "records without record types",
        _set("assistance_sought.1.details.record_types", _DELETE),
        {"assistance_sought.1.details.record_types"},
    ),
    (
        "unknown measure detail",
        _set("assistance_sought.0.details.colour", "red"),
        {"assistance_sought.0.details.colour"},
    ),
    (
        "telephone not E.164",
        _set("contact_for_execution.telephone", ["033 707 100"]),
        {"contact_for_execution.telephone.0"},
    ),
    ("natural person without the natural block", _set("persons.0.natural", _DELETE), {"persons.0.natural"}),
    (
        "other position unexplained",
        _set("persons.1.procedural_position", "other"),
        {"persons.1.procedural_position_other"},
    ),
    ("unknown offence category", _set("offences.0.offence_tags", ["jaywalking"]), {"offences.0.offence_tags.0"}),
    ("unknown field", _set("colour", "red"), {"colour"}),
    ("date with another spelling", _set("deadline", "31.01.2027."), {"deadline"}),
    ("no signature", _set("signature", _DELETE), {"signature"}),
]


def _transfer(body: dict[str, Any]) -> None:
    body["assistance_sought"].append(
        {
            "code": "transfer_custody_to_requesting",
            "description": "Privremena predaja osumnjičenog radi suočenja.",
            "person_refs": ["P1"],
            "details": {"purpose": "Suočenje sa svjedokom.", "person_consent": "no"},
        }
    )


def _accused_by_video(body: dict[str, Any]) -> None:
    body["assistance_sought"].append(
        {
            "code": "videoconference_hearing",
            "description": "Saslušanje osumnjičenog putem video veze.",
            "person_refs": ["P1"],
            "details": {
                "why_not_in_person": "Osumnjičeni je u pritvoru u Srbiji.",
                "conducting_persons": [{"name": "Amra Hadžić"}],
                "heard_as": "accused",
            },
        }
    )


def _service_only(body: dict[str, Any]) -> None:
    body["assistance_sought"] = [
        {
            "code": "service_of_documents",
            "description": "Dostava poziva svjedokinji.",
            "person_refs": ["W1"],
            "details": {"addressee_ref": "W1", "address": "Futoški put 45, Novi Sad"},
        }
    ]
    del body["facts_summary"]


MLA_CASES += [
    ("transfer outside the ministry channel", _transfer, {"channel"}),
    (
        "accused heard by video without consent stated",
        _accused_by_video,
        {"assistance_sought.2.details.accused_consent"},
    ),
]


@pytest.mark.parametrize(("name", "change", "expected"), MLA_CASES, ids=[c[0] for c in MLA_CASES])
def test_mla_request_rules(name, change, expected):
    body = sample("request.mla")
    change(body)
    assert errors_of("request.mla", body) == expected, name


def test_service_of_documents_alone_needs_no_facts():
    body = sample("request.mla")
    _service_only(body)
    assert errors_of("request.mla", body) == set()


def _tick(measure: str, **extra: Any) -> Callable[[dict[str, Any]], None]:
    def change(body: dict[str, Any]) -> None:
        body["section_c"]["measures"].append(measure)
        body["section_c"].update(extra)

    return change


EIO_CASES = [
    ("bank measure without its H4 block", _set("section_h4", _DELETE), {"section_h4"}),
    (
        "H7 without interception ticked",
        _set(
            "section_h7",
            {
                "relevance_reasons": "x",
                "subject_identification": "y",
                "desired_duration_days": 30,
                "technical_data": [{"kind": "mobile_phone", "value": "+38640123456"}],
            },
        ),
        {"section_h7"},
    ),
    ("interception ticked without H7", _tick("interception_telecommunications"), {"section_h7"}),
    (
        "other authority without validation",
        _set("section_k.authority_type", "other_competent_authority"),
        {"section_l"},
    ),
    ("Annex D below three years", _set("section_g.max_penalty_years", 2), {"section_g.annex_d_categories"}),
    ("Annex D without the penalty", _set("section_g.max_penalty_years", _DELETE), {"section_g.max_penalty_years"}),
    (
        "only type (d) of proceedings",
        _set("section_f.proceedings_type", ["d_legal_person_liability"]),
        {"section_f.proceedings_type"},
    ),
    ("hearing without whom", _set("section_c.hearing_of", _DELETE), {"section_c.hearing_of"}),
    (
        "an accused heard by telephone",
        _tick("hearing_telephone", telephone_of=["suspected_or_accused"]),
        # Field errors come first; the H2 coupling is reported once the section itself is right.
        {"section_c.telephone_of"},
    ),
    ("whom without the hearing", _set("section_c.videoconference_of", ["witness"]), {"section_c.videoconference_of"}),
    (
        "two hearings without whom",
        _tick("real_time_gathering", measures=["hearing", "hearing_telephone", "real_time_gathering"]),
        # Every unmet condition at once, not the first only.
        {"section_c.telephone_of", "section_c.real_time_gathering"},
    ),
    ("supplement without the earlier EIO", _set("section_d.supplements_earlier_eio", True), {"section_d.earlier_eio"}),
    ("same state twice", _set("section_a.executing_state", "HR"), {"section_a"}),
    (
        "urgent without details",
        _set("section_b", {"urgency_reasons": ["imminent_trial_date"]}),
        {"section_b.urgency_details"},
    ),
    (
        "urgent and a deadline, neither explained: both at once",
        _set("section_b", {"urgency_reasons": ["imminent_trial_date"], "requested_deadline": "2027-01-15"}),
        {"section_b.urgency_details", "section_b.requested_deadline_reason"},
    ),
]


@pytest.mark.parametrize(("name", "change", "expected"), EIO_CASES, ids=[c[0] for c in EIO_CASES])
def test_eio_rules(name, change, expected):
    body = sample("request.eio")
    change(body)
    assert errors_of("request.eio", body) == expected, name


def test_transfer_to_the_issuing_state_needs_the_persons_consent():
    body = sample("request.eio")
    body["section_c"]["measures"].append("transfer_custody_to_issuing")
    body["section_h1"] = {"return_by": "2027-03-01"}
    assert errors_of("request.eio", body) == {"section_h1"}
    body["section_h1"]["consent_to_issuing"] = "yes"
    assert errors_of("request.eio", body) == set()


def test_a_suspect_heard_by_videoconference_needs_their_consent_stated():
    body = sample("request.eio")
    body["section_c"]["measures"].append("hearing_videoconference")
    body["section_c"]["videoconference_of"] = ["witness", "suspected_or_accused"]
    body["section_h2"] = {
        "conducting_authority": {
            "official_name": "Županijsko državno odvjetništvo u Zagrebu",
            "contact": {"name": "Ivana Horvat", "telephone": ["+38514591800"]},
        },
        "reasons": "Osumnjičenik je u istražnom zatvoru u Ljubljani.",
    }
    assert errors_of("request.eio", body) == {"section_h2"}
    body["section_h2"]["suspect_consent"] = "unknown"
    assert errors_of("request.eio", body) == set()
    body["section_c"]["videoconference_of"] = ["witness"]
    del body["section_h2"]["suspect_consent"]
    assert errors_of("request.eio", body) == set()


def test_a_measure_names_each_person_once():
    body = sample("request.mla")
    measure = next(m for m in body["assistance_sought"] if m.get("person_refs"))
    measure["person_refs"] = measure["person_refs"] * 2
    assert errors_of("request.mla", body) == {
        f"assistance_sought.{body['assistance_sought'].index(measure)}.person_refs"
    }


REPLY_CASES = [
    ("decision.refusal", "an EIO ground under the Convention", _set("grounds", ["ne_bis_in_idem"]), {"grounds"}),
    ("decision.refusal", "bank secrecy", _set("grounds", ["bank_secrecy"]), {"grounds"}),
    ("decision.refusal", "no reasons", _set("reasons", _DELETE), {"reasons"}),
    ("decision.refusal", "no grounds", _set("grounds", []), {"grounds"}),
    ("decision.postponement", "a refusal ground", _set("grounds", ["essential_interests"]), {"grounds"}),
    ("execution.result", "partial without what remains", _set("completeness", "partial"), {"outstanding"}),
    (
        "ack.receipt",
        "forwarded without a date",
        _set("forwarded_to", {"official_name": "MoJ", "contact": {"name": "Desk"}}),
        {"forwarded_on"},
    ),
    ("info.request", "no questions", _set("questions", _DELETE), {"questions"}),
    ("request.jit_proposal", "ends before it starts", _set("period_to", "2026-12-01"), {"period_to"}),
    (
        "request.jit_proposal",
        "operates outside its parties",
        _set("states_of_operation", ["BA", "ME"]),
        {"states_of_operation"},
    ),
    (
        "request.jit_proposal",
        "a single party",
        _set("parties", [{"state": "BA", "competent_authority": {"official_name": "T", "contact": {"name": "X"}}}]),
        {"parties"},
    ),
    ("withdrawal", "no reason", _set("reason", _DELETE), {"reason"}),
    ("ack.eio", "no signature", _set("section_e", _DELETE), {"section_e"}),
]


@pytest.mark.parametrize(
    ("message_type", "name", "change", "expected"), REPLY_CASES, ids=[f"{c[0]}: {c[1]}" for c in REPLY_CASES]
)
def test_reply_rules(message_type, name, change, expected):
    body = sample(message_type)
    change(body)
    assert errors_of(message_type, body) == expected, name


def test_an_eio_refusal_takes_eio_grounds():
    body = sample("decision.refusal")
    body.update(instrument="eio", grounds=["ne_bis_in_idem", "double_criminality"])
    assert errors_of("decision.refusal", body) == set()


@pytest.mark.parametrize(
    ("issuing", "executing", "instrument"),
    [
        ("HR", "SI", "eio"),
        ("HR", "RS", "mla"),
        ("BA", "RS", "mla"),
        ("XK", "AL", "mla"),
        ("RS", "HR", "mla"),
        # EU members outside the Directive (Protocols No 21 and 22): MLA even with Croatia.
        ("HR", "DK", "mla"),
        ("IE", "HR", "mla"),
    ],
)
def test_the_eio_is_for_two_states_bound_by_the_directive(issuing, executing, instrument):
    assert instrument_between(issuing, executing) == instrument


def test_a_draft_may_be_incomplete_but_never_wrong():
    kind = registry.message_type(registry.CURRENT, "request.mla")
    assert kind.draft_errors({}) == {}
    assert "offences" in kind.body_errors({})
    wrong = {"offences": [{"max_penalty_years": "twenty"}], "channel": "pigeon", "surprise": 1}
    errors = kind.draft_errors(wrong)
    assert errors["offences"] == {0: {"max_penalty_years": ["Not a valid integer."]}}
    assert "channel" in errors
    assert errors["surprise"] == ["Unknown field."]
    # A condition that makes a field mandatory waits for submission too...
    urgent = sample("request.mla")
    del urgent["urgency_reasons"]
    assert kind.draft_errors(urgent) == {}
    assert kind.body_errors(urgent) == {"urgency_reasons": ["Explain the urgency."]}
    # ...but a contradiction does not.
    contradictory = sample("request.mla") | {"persons": []}
    assert "assistance_sought" in kind.draft_errors(contradictory)


@pytest.mark.parametrize(
    ("message_type", "texts", "language", "expected"),
    [
        ("request.mla", {"facts_summary": "The facts.", "offences.0.statutory_provisions": "Art. 186."}, "en", set()),
        ("request.mla", {"assistance_sought.0.details.questions.1": "Second question."}, "en", set()),
        ("request.eio", {"section_c.measures_description": "Measures."}, "en", set()),
        ("info.request", {"questions": "Questions."}, "sq", set()),
        ("request.mla", {"offences.9.statutory_provisions": "No such offence."}, "en", {"translations"}),
        ("request.mla", {"channel": "A code, not free text."}, "en", {"translations"}),
        ("request.mla", {"facts summary": "Not a path."}, "en", {"translations"}),
        ("request.mla", {"facts_summary": "Same language as the text."}, "bs", {"translations"}),
    ],
    ids=["request fields", "measure details", "eio section", "reply", "no such item", "a code", "not a path", "same"],
)
def test_a_translation_names_free_text_of_its_body(message_type, texts, language, expected):
    body = sample(message_type)
    body["language"] = "bs"
    body["translations"] = [{"language": language, "texts": texts}]
    assert errors_of(message_type, body) == expected


def test_one_translation_per_language():
    body = sample("request.mla")
    body["translations"] = [
        {"language": "en", "texts": {"facts_summary": "The facts."}},
        {"language": "en", "texts": {"link_facts_to_measures": "The link."}},
    ]
    assert errors_of("request.mla", body) == {"translations"}


def test_a_person_reports_every_gap_at_once():
    body = sample("request.mla")
    person = body["persons"][0]
    del person["natural"]
    person["procedural_position"] = "other"
    assert errors_of("request.mla", body) == {"persons.0.natural", "persons.0.procedural_position_other"}
    person["legal"] = {"name": "Balkan Tours d.o.o."}
    assert errors_of("request.mla", body) == {
        "persons.0.natural",
        "persons.0.procedural_position_other",
        "persons.0.kind",
    }
