"""Translations follow their texts through the wizard: removed items, emptied texts."""

from __future__ import annotations

import copy

from exchange.demo.samples import sample
from exchange.web.forms import prune_translations, renumber_translations
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


def test_removing_an_item_drops_its_translations_and_moves_the_later_ones_up():
    body = _with_two_offences()
    assert _valid(body)
    body["offences"].pop(0)
    body = renumber_translations(body, "offences.0")
    # The second offence's translation now sits beside the second offence, which is first.
    assert body["translations"] == [
        {"language": "en", "texts": {"facts_summary": "The facts.", "offences.0.statutory_provisions": "Article 189."}}
    ]
    assert _valid(body)


def test_removing_a_later_item_leaves_the_earlier_ones_alone():
    body = _with_two_offences()
    body["offences"].pop(1)
    body = renumber_translations(body, "offences.1")
    assert body["translations"][0]["texts"] == {
        "facts_summary": "The facts.",
        "offences.0.statutory_provisions": "Article 186.",
    }
    assert body["translations"][1]["texts"] == {"offences.0.statutory_provisions": "Члан 186."}
    assert _valid(body)


def test_a_text_emptied_in_the_wizard_takes_its_translations_with_it():
    body = _with_two_offences()
    del body["offences"][1]["statutory_provisions"]
    body = prune_translations("request.mla", body)
    assert body["translations"][0]["texts"] == {
        "facts_summary": "The facts.",
        "offences.0.statutory_provisions": "Article 186.",
    }
    del body["offences"][0]["statutory_provisions"]
    body = prune_translations("request.mla", body)
    assert body["translations"] == [{"language": "en", "texts": {"facts_summary": "The facts."}}]
    del body["facts_summary"]
    assert "translations" not in prune_translations("request.mla", body)
