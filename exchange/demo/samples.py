"""Realistic message bodies: a trafficking case between Bosnia and Herzegovina and Serbia.

Used by the demo to tell its story, and by the tests as valid starting points that they break
one field at a time. The people, numbers and references are invented.
"""

from __future__ import annotations

import copy
from typing import Any

BA_PROSECUTOR = {
    "official_name": "Tužilaštvo Bosne i Hercegovine",
    "representative_name": "Amra Hadžić",
    "post_title_grade": "Tužiteljica",
    "file_reference": "T20 0 KTO 0000117 26",
    "contact": {
        "name": "Amra Hadžić",
        "organisation": "Tužilaštvo BiH, Odjel II za organizovani kriminal",
        "address": "Kraljice Jelene 88, 71000 Sarajevo",
        "telephone": ["+38733707100"],
        "email": ["amra.hadzic@tuzilastvo.example.ba"],
        "languages": ["bs", "hr", "sr-Latn", "en"],
    },
}
RS_PROSECUTOR = {
    "official_name": "Тужилаштво за организовани криминал",
    "representative_name": "Милош Јовановић",
    "post_title_grade": "Заменик тужиоца",
    "file_reference": "КТМП 55/26",
    "contact": {
        "name": "Милош Јовановић",
        "address": "Устаничка 29, 11000 Београд",
        "telephone": ["+381113014400"],
        "email": ["milos.jovanovic@tok.example.rs"],
        "languages": ["sr-Cyrl", "sr-Latn", "en"],
    },
}

MLA_REQUEST: dict[str, Any] = {
    "our_reference": "T20 0 KTO 0000117 26",
    "legal_basis": [{"code": "ETS030"}, {"code": "ETS182"}, {"code": "UNTOC"}, {"code": "UNTOC_TIP"}],
    "requesting_state": "BA",
    "requested_state": "RS",
    "requesting_authority": BA_PROSECUTOR,
    "channel": "judicial_direct",
    "urgency": ["evidence_risk"],
    "urgency_reasons": "Osumnjičeni koriste telefone koje redovno mijenjaju; podaci o prometu se brišu nakon 12 mjeseci.",
    "deadline": "2027-01-31",
    "deadline_reason": "Rok za podizanje optužnice ističe 15.02.2027.",
    "proceedings": {
        "stage": "investigation",
        "nature": "Istraga protiv organizovane grupe zbog trgovine ljudima radi seksualnog iskorištavanja.",
    },
    "offences": [
        {
            "legal_classification": "Trgovina ljudima",
            "statutory_provisions": "Član 186. stav 1. Krivičnog zakona Bosne i Hercegovine; kazna zatvora od 3 do 20 godina.",
            "max_penalty_years": 20,
            "offence_tags": ["trafficking_human_beings", "criminal_organisation"],
        }
    ],
    "facts_summary": (
        "U periodu od marta do septembra 2026. godine osumnjičeni su vrbovali žene iz Prijedora i Banja Luke "
        "obećanjem posla u ugostiteljstvu u Novom Sadu, gdje su ih prisiljavali na prostituciju. Novac se "
        "prikupljao preko računa otvorenog u Novom Sadu."
    ),
    "link_facts_to_measures": (
        "Saslušanje svjedokinje potvrđuje uslove rada u Novom Sadu; izvodi sa računa dokazuju tok novca."
    ),
    "persons": [
        {
            "person_ref": "P1",
            "kind": "natural",
            "natural": {
                "surname": "Petrović",
                "forenames": "Dragan",
                "aliases": ["Гага"],
                "sex": "male",
                "nationality": ["BA", "RS"],
                "date_of_birth": "1981-04-12",
                "place_of_birth": "Prijedor",
                "address": "Bulevar oslobođenja 12, Novi Sad",
            },
            "procedural_position": "suspected_or_accused",
        },
        {
            "person_ref": "W1",
            "kind": "natural",
            "natural": {"surname": "Kovačević", "forenames": "Jelena", "sex": "female", "nationality": ["BA"]},
            "procedural_position": "victim",
            "location": "Novi Sad",
        },
    ],
    "assistance_sought": [
        {
            "code": "hear_victim",
            "description": "Saslušati oštećenu Jelenu Kovačević o uslovima boravka i rada u Novom Sadu.",
            "person_refs": ["W1"],
            "details": {
                "questions": ["Ko Vam je ponudio posao?", "Gdje ste stanovali i ko je uzimao novac?"],
                "recording": "video",
                "defence_presence": True,
            },
        },
        {
            "code": "records_documents",
            "description": "Dostaviti izvode za račun otvoren na ime Dragana Petrovića.",
            "person_refs": ["P1"],
            "details": {
                "record_holder": "Banka u Novom Sadu",
                "record_types": "Izvodi, kartoni deponovanih potpisa, evidencija e-bankinga",
                "period_from": "2026-03-01",
                "period_to": "2026-09-30",
                "accounts": ["RS35105008123123123173"],
            },
        },
    ],
    "procedures_requested": "Zapisnik o saslušanju sačiniti u skladu sa ZKP; obezbijediti tumača za bosanski jezik nije potrebno.",
    "confidentiality": {
        "required": True,
        "scope": "both",
        "reasons": "Osumnjičeni ne smiju saznati za istragu prije hapšenja.",
    },
    "use_limitation_acknowledged": True,
    "contact_for_execution": copy.deepcopy(BA_PROSECUTOR["contact"]),
    "language": "bs",
    "signature": {"signer_name": "Amra Hadžić", "post_title_grade": "Tužiteljica", "date": "2026-11-20"},
}

EIO_REQUEST: dict[str, Any] = {
    "our_reference": "K-US-88/2026",
    "language": "hr",
    "section_a": {"issuing_state": "HR", "executing_state": "SI"},
    "section_c": {
        "measures_description": "Pribavljanje podataka o vlasniku računa i transakcijama, te saslušanje svjedoka.",
        "measures": ["bank_account_information", "hearing"],
        "hearing_of": ["witness"],
    },
    "section_d": {"supplements_earlier_eio": False},
    "section_f": {"proceedings_type": ["a_criminal_judicial"]},
    "section_g": {
        "facts_summary": "Krijumčarenje migranata preko granice Slovenije i Hrvatske; novac se uplaćivao na račune u Ljubljani.",
        "legal_classification": "Protuzakonito ulaženje, kretanje i boravak (čl. 326. KZ RH).",
        "annex_d_categories": ["facilitation_unauthorised_entry_residence"],
        "max_penalty_years": 10,
    },
    "section_h4": {
        "accounts_requested": ["bank_accounts_held_or_power_of_attorney"],
        "accounts_relevance": "Računi su korišteni za primanje plaćanja od migranata.",
    },
    "section_j": {
        "remedy_information_authority": {
            "name": "Županijsko državno odvjetništvo u Zagrebu",
            "telephone": ["+38514591800"],
            "languages": ["hr", "en"],
        }
    },
    "section_k": {
        "authority_type": "public_prosecutor",
        "authority": {
            "official_name": "Ured za suzbijanje korupcije i organiziranog kriminaliteta (USKOK)",
            "file_reference": "K-US-88/2026",
            "contact": {"name": "Ivana Horvat", "email": ["ivana.horvat@uskok.example.hr"], "languages": ["hr", "en"]},
        },
        "communication_languages": ["hr", "en"],
        "signature": {"signer_name": "Ivana Horvat", "post_title_grade": "Zamjenica ravnatelja", "date": "2026-11-18"},
    },
}

EIO_ACK: dict[str, Any] = {
    "our_reference": "Ks 412/2026",
    "their_reference": "K-US-88/2026",
    "language": "en",
    "section_a": {
        "issuing_authority": "USKOK",
        "file_reference": "K-US-88/2026",
        "date_of_issue": "2026-11-18",
        "date_of_receipt": "2026-11-19",
    },
    "section_b": {
        "authority": {
            "official_name": "Okrožno državno tožilstvo v Ljubljani",
            "contact": {"name": "Desk for international cooperation", "languages": ["sl", "en"]},
        },
        "communication_languages": ["sl", "en"],
    },
    "section_e": {"signer_name": "Marko Novak", "post_title_grade": "Prosecutor", "date": "2026-11-19"},
}

_REPLY = {"our_reference": "КТМП 55/26", "their_reference": "T20 0 KTO 0000117 26", "language": "sr-Cyrl"}

REPLIES: dict[str, dict[str, Any]] = {
    "ack.receipt": {
        **_REPLY,
        "received_on": "2026-11-21",
        "receiving_authority": RS_PROSECUTOR,
        "note": "Замолница је заведена и додељена поступајућем тужиоцу.",
    },
    "info.request": {
        **_REPLY,
        "reason": "clarification",
        "questions": "Молимо да доставите број пасоша оштећене и адресу на којој је боравила у Новом Саду.",
        "reply_by": "2026-12-10",
    },
    "info.response": {
        "our_reference": "T20 0 KTO 0000117 26",
        "their_reference": "КТМП 55/26",
        "language": "bs",
        "answers": "Broj pasoša oštećene je B1234567; boravila je u ulici Futoški put 45, Novi Sad.",
    },
    "decision.recognition": {
        **_REPLY,
        "decided_on": "2026-11-24",
        "executing_authority": RS_PROSECUTOR,
        "expected_completion": "2027-01-15",
    },
    "decision.refusal": {
        **_REPLY,
        "instrument": "mla",
        "decided_on": "2026-11-24",
        "grounds": ["essential_interests"],
        "reasons": "Извршење би угрозило истрагу која је у току у Србији.",
    },
    "decision.postponement": {
        **_REPLY,
        "instrument": "mla",
        "decided_on": "2026-11-24",
        "grounds": ["interferes_with_ongoing_investigation_prosecution"],
        "reasons": "Сведок је у програму заштите до 15.01.2027.",
        "expected_until": "2027-01-15",
    },
    "decision.other_measure": {
        **_REPLY,
        "decided_on": "2026-11-24",
        "original_measure": "hear_victim",
        "chosen_measure": "videoconference_hearing",
        "reasons": "Оштећена је пристала на саслушање путем видео-конференције.",
    },
    "execution.result": {
        **_REPLY,
        "completeness": "complete",
        "results": "Оштећена је саслушана 12.01.2027; записник и изводи са рачуна су у прилогу.",
        "minutes": "Записник о саслушању оштећене, 12.01.2027, 10:00–12:30.",
    },
    "info.spontaneous": {
        "our_reference": "КТМП 61/26",
        "language": "sr-Cyrl",
        "providing_authority": RS_PROSECUTOR,
        "information": "Исти број телефона јавља се и у предмету трговине људима у Новом Пазару.",
        "rationale": "may_lead_to_request",
        "confidential": True,
    },
    "request.jit_proposal": {
        "our_reference": "T20 0 KTO 0000117 26",
        "language": "bs",
        "legal_basis": ["SAP_Art20", "UNTOC_Art19"],
        "parties": [
            {"state": "BA", "competent_authority": BA_PROSECUTOR},
            {"state": "RS", "competent_authority": RS_PROSECUTOR},
        ],
        "purpose": "Zajednička istraga trgovine ljudima na relaciji Prijedor – Novi Sad.",
        "period_from": "2027-01-01",
        "period_to": "2027-12-31",
        "states_of_operation": ["BA", "RS"],
        "leaders": [
            {"name": "Amra Hadžić", "position": "Tužiteljica", "authority": "Tužilaštvo BiH", "state": "BA"},
            {"name": "Милош Јовановић", "position": "Заменик тужиоца", "authority": "ТОК", "state": "RS"},
        ],
        "union_bodies": ["eurojust"],
    },
    "withdrawal": {
        "our_reference": "T20 0 KTO 0000117 26",
        "their_reference": "КТМП 55/26",
        "language": "bs",
        "withdrawn_on": "2027-02-01",
        "reason": "Osumnjičeni je izručen Bosni i Hercegovini; saslušanje više nije potrebno.",
    },
}


def sample(message_type: str) -> dict[str, Any]:
    """A fresh copy of the sample body of `message_type` (callers may change it freely)."""
    bodies = {"request.mla": MLA_REQUEST, "request.eio": EIO_REQUEST, "ack.eio": EIO_ACK, **REPLIES}
    return copy.deepcopy(bodies[message_type])
