"""Every field, message type and code of every template has a label in every federation language."""

from __future__ import annotations

import re

import pytest

from protocols.v1 import i18n

KEYS = set(i18n.keys())
CYRILLIC = re.compile("[\u0400-\u04ff]")
LATIN = re.compile("[A-Za-z]")


def test_the_keys_cover_the_templates():
    assert "message_type.request.mla" in KEYS
    assert "MlaRequest.offences" in KEYS
    assert "eio_refusal_ground.territoriality" in KEYS
    assert "status_state.executed" in KEYS
    assert len(KEYS) > 600


@pytest.mark.parametrize("language", list(i18n.LANGUAGES))
def test_every_key_has_a_label_and_no_label_is_stale(language):
    catalogue = i18n.catalogue(language)
    assert set(catalogue) - KEYS == set(), "labels for fields that no longer exist"
    assert KEYS - set(catalogue) == set(), "fields without a label"
    empty = [key for key, text in catalogue.items() if not text.strip() or text != text.strip()]
    assert empty == []
    untranslated = [key for key, text in catalogue.items() if text == key]
    assert untranslated == []


@pytest.mark.parametrize("language", ["mk", "sr-Cyrl"])
def test_cyrillic_languages_read_in_cyrillic(language):
    mostly_latin = [
        key for key, text in i18n.catalogue(language).items() if len(LATIN.findall(text)) > len(CYRILLIC.findall(text))
    ]
    # Only convention acronyms may stay in Latin letters (they are names, as written in the treaties).
    assert all(key.startswith("jit_legal_basis.UN") for key in mostly_latin), mostly_latin


def test_serbian_cyrillic_is_derived_letter_for_letter_digraphs_first():
    assert i18n.latin_to_cyrillic("Ljubljana, Njegoš, Džamija, NJIVA") == "Љубљана, Његош, Џамија, ЊИВА"
    assert i18n.latin_to_cyrillic("Ćuprija, Đakovica, čl. 5") == "Ћуприја, Ђаковица, чл. 5"
    assert i18n.catalogue("sr-Cyrl")["message_type.request.mla"] == i18n.latin_to_cyrillic(
        i18n.catalogue("sr-Latn")["message_type.request.mla"]
    )


def test_a_missing_label_falls_back_to_english_then_to_the_key():
    assert i18n.label("MlaRequest.offences", "xx") == i18n.catalogue("en")["MlaRequest.offences"]
    assert i18n.label("No.such_key", "bs") == "No.such_key"
    assert i18n.label("MlaRequest.offences", "hr") != i18n.label("MlaRequest.offences", "en")
