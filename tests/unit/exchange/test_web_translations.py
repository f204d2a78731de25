"""Translations follow their texts through the wizard: lists closed up, items removed, texts edited."""

from __future__ import annotations

import copy

from exchange.demo.samples import sample
from exchange.web.forms import carry_translations
from protocols import registry


def _with_two_offences() -> dict:
    body = sample("request.mla")
    second = copy.deepcopy(body["offences"][0])
    second["statutory_provisions"] = "Član 189. Krivičnog zakona BiH"
    body["offences"].append(second)
    body["translations"] = [
        {
            "language": "en",
            "texts": {
                "facts_summary": "The facts.",
                "offences.0.statutory_provisions": "Article 186.",
                "offences.1.statutory_provisions": "Article 189.",
            },
        },
        {"language": "sr-Cyrl", "texts": {"offences.0.statutory_provisions": "Члан 186."}},
    ]
    return body


def _valid(body) -> bool:
    return registry.message_type(registry.CURRENT, "request.mla").body_errors(body) == {}


def _edit(body, change):
    before = copy.deepcopy(body)
    change(body)
    return carry_translations("request.mla", before, body)


def test_a_removed_item_takes_its_translations_and_the_later_ones_move_up_with_their_texts():
    body, dropped = _edit(_with_two_offences(), lambda b: b["offences"].pop(0))
    # The second offence is now the first, and its translation sits beside it.
    assert body["translations"] == [
        {"language": "en", "texts": {"facts_summary": "The facts.", "offences.0.statutory_provisions": "Article 189."}}
    ]
    assert dropped == 2  # the first offence's English and Cyrillic translations
    assert _valid(body)


def test_a_deleted_line_of_questions_does_not_hand_its_translation_to_the_next_one():
    body = sample("request.mla")
    questions = body["assistance_sought"][0]["details"]["questions"]
    body["translations"] = [
        {
            "language": "en",
            "texts": {
                "assistance_sought.0.details.questions.0": "First, in English.",
                "assistance_sought.0.details.questions.1": "Second, in English.",
            },
        }
    ]
    second = questions[1]
    body, dropped = _edit(body, lambda b: b["assistance_sought"][0]["details"]["questions"].pop(0))
    assert body["assistance_sought"][0]["details"]["questions"] == [second]
    assert body["translations"][0]["texts"] == {"assistance_sought.0.details.questions.0": "Second, in English."}
    assert dropped == 1


def test_an_edited_text_loses_its_translation_and_an_unchanged_one_keeps_it():
    body, dropped = _edit(_with_two_offences(), lambda b: b.update(facts_summary="Novi opis činjenica."))
    assert "facts_summary" not in body["translations"][0]["texts"]
    assert body["translations"][0]["texts"]["offences.1.statutory_provisions"] == "Article 189."
    assert dropped == 1


def test_the_texts_own_language_takes_no_translation_and_nothing_left_means_no_translations():
    body, dropped = _edit(_with_two_offences(), lambda b: b.update(language="sr-Cyrl"))
    assert [entry["language"] for entry in body["translations"]] == ["en"]
    assert dropped == 1
    body, dropped = _edit(body, lambda b: b.update(language="en"))
    assert "translations" not in body
    assert dropped == 3


def test_an_empty_translation_is_refused():
    body = sample("request.mla")
    body["translations"] = [{"language": "en", "texts": {}}]
    assert "translations" in registry.message_type(registry.CURRENT, "request.mla").body_errors(body)
