"""The printable PDF of a message: what it shows (read back with pypdf), that it is reproducible, and robust."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from exchange.demo.samples import sample
from exchange.render.document import Document, Section, build
from exchange.render.pdf import FontsMissing, PdfHeader, font_paths, render_pdf

PRINTED_AT = "2026-11-22T12:00:00Z"
LANGUAGES = ["en", "sr-Cyrl", "mk", "sq", "bs"]


def _header(**changes) -> PdfHeader:
    values = {
        "node_id": "RS",
        "case_title": "Трговина људима — Приједор / Нови Сад",
        "direction": "incoming",
        "peer_node": "BA",
        "state_label": "Примљено",
        "approvals": [
            {"role": "drafter", "name": "Amra Hadžić", "authority": "Tužilaštvo BiH", "at": "2026-11-20T09:00:00Z"},
            {"role": "approver", "name": "Ђорђе Љубић", "authority": "Тужилаштво", "at": "2026-11-20T10:00:00Z"},
        ],
        "verification": "Signatures and approval chain hold",
        "printed_at": PRINTED_AT,
        "labels": {},
    }
    values.update(changes)
    return PdfHeader(**values)


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def _flat(text: str) -> str:
    """Whitespace collapsed: wrapping turns spaces into line breaks, which is not a difference in content."""
    return " ".join(text.split())


def _strings(section: Section) -> list[str]:
    found = [section.title] if section.title else []
    for row in section.rows:
        found += [row.label, row.value]
    for child in section.sections:
        found += _strings(child)
    return found


def _mla(language: str, **changes) -> Document:
    body = sample("request.mla")
    body.update(changes)
    return build("request.mla", body, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_mla_request_prints_in_the_readers_language_with_free_text_as_written(language):
    document = _mla(language)
    pdf = render_pdf(document, header=_header())
    assert pdf.startswith(b"%PDF-")
    pages = _pages(pdf)
    assert len(pages) > 1
    text = _flat("\n".join(pages))
    assert _flat(document.title) in text
    assert "Trgovina ljudima" in text  # the sender's words, untranslated
    assert "prisiljavali na prostituciju" in text
    assert "written in: bs" in text.lower()
    assert PRINTED_AT in text
    assert "Amra Hadžić, Tužilaštvo BiH" in text
    assert "Ђорђе Љубић, Тужилаштво" in text
    assert "Signatures and approval chain hold" in text
    # The same content as the HTML page: every heading, label and value of the document.
    missing = [item for item in _strings(document.body) if _flat(item) not in text]
    assert missing == []
    if language == "sr-Cyrl":
        assert "Правни основ" in text


def test_cyrillic_and_latin_diacritics_are_drawn_from_the_embedded_font():
    special = "ђ ћ џ љ њ ѕ ѓ ќ — č ć đ š ž ë ç — Ђ Ћ Џ Љ Њ Ѕ Ѓ Ќ Č Ć Đ Š Ž Ë Ç"
    pdf = render_pdf(_mla("mk", facts_summary=special), header=_header())
    assert special in _flat("\n".join(_pages(pdf)))
    assert b"/FontFile2" in pdf  # an embedded TrueType subset, not a core font


def test_head_block_footer_and_labels_come_from_the_header():
    labels = {"from": "Од", "to": "За", "state": "Стање", "page": "страна", "printed": "одштампано"}
    pdf = render_pdf(_mla("sr-Cyrl"), header=_header(labels=labels))
    pages = _pages(pdf)
    text = _flat("\n".join(pages))
    assert "Од BA" in text  # incoming: from the peer, to this node
    assert "За RS" in text
    assert "Стање Примљено" in text
    assert "T20 0 KTO 0000117 26" in text
    for number, page in enumerate(pages, start=1):
        assert f"RS · одштампано {PRINTED_AT} · страна {number}/{len(pages)}" in _flat(page)
    outgoing = _flat("\n".join(_pages(render_pdf(_mla("en"), header=_header(direction="outgoing")))))
    assert "From RS" in outgoing
    assert "To BA" in outgoing


def test_same_input_gives_the_same_bytes_and_the_creation_date_is_the_print_time():
    document = _mla("sr-Cyrl")
    first = render_pdf(document, header=_header())
    assert render_pdf(_mla("sr-Cyrl"), header=_header()) == first
    reader = PdfReader(io.BytesIO(first))
    assert reader.metadata is not None
    assert reader.metadata.creation_date == datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    assert reader.metadata.creator == "mla-exchange"
    assert reader.metadata.title == document.title
    later = render_pdf(document, header=_header(printed_at="2026-11-23T08:15:00+01:00"))
    assert later != first
    assert PdfReader(io.BytesIO(later)).metadata.creation_date == datetime(2026, 11, 23, 7, 15, tzinfo=UTC)


def test_twenty_thousand_characters_and_an_unbroken_reference_flow_over_pages():
    words = "Osumnjičeni su vrbovali žene iz Prijedora obećanjem posla; Замолница ђ ћ џ љ њ. "
    facts = (words * (20_000 // len(words) + 1))[:20_000]
    reference = ("T20-0-KTO-0000117/26" * 15)[:300]
    assert len(facts) == 20_000
    assert len(reference) == 300
    assert " " not in reference
    document = _mla("bs", facts_summary=facts, our_reference=reference, their_reference=reference)
    pdf = render_pdf(document, header=_header())
    pages = _pages(pdf)
    assert len(pages) >= 6
    text = "\n".join(pages)
    assert reference in "".join(text.split())  # broken between characters, nothing lost
    assert _flat(facts)[-200:] in _flat(text)


def test_an_attached_translation_is_shown_beside_the_original():
    translations = [{"language": "en", "texts": {"facts_summary": "English translation of the facts"}}]
    pdf = render_pdf(_mla("sr-Cyrl", translations=translations), header=_header())
    text = _flat("\n".join(_pages(pdf)))
    assert "translation (en): English translation of the facts".lower() in text.lower()
    assert "prikupljao preko računa" in text  # the original stays


def test_free_text_cannot_reach_the_page_count_alias_and_control_characters_are_dropped():
    pdf = render_pdf(_mla("en", urgency_reasons="see {nb} pages\tand \x00 more"), header=_header())
    assert "see {nb} pages and more" in _flat("\n".join(_pages(pdf)))


def test_a_message_without_approvals_or_verification_still_prints():
    body = sample("ack.receipt")
    pdf = render_pdf(build("ack.receipt", body, "sq"), header=_header(approvals=[], verification=None))
    text = _flat("\n".join(_pages(pdf)))
    assert "Замолница је заведена" in text
    assert "Signatures" not in text


def test_a_bad_direction_or_print_time_is_refused():
    with pytest.raises(ValueError, match="direction"):
        render_pdf(_mla("en"), header=_header(direction="sideways"))
    with pytest.raises(ValueError, match="printed_at"):
        render_pdf(_mla("en"), header=_header(printed_at="yesterday"))


def test_missing_fonts_name_the_package_to_install(tmp_path):
    with pytest.raises(FontsMissing, match="fonts-dejavu-core"):
        font_paths((tmp_path,))


def _rows(section: Section):
    yield from section.rows
    for child in section.sections:
        yield from _rows(child)


def test_each_item_of_a_list_of_free_text_carries_its_own_translation():
    body = sample("request.mla")
    body["translations"] = [
        {"language": "en", "texts": {"assistance_sought.0.details.questions.1": "Second, in English"}}
    ]
    rows = {row.path: row for row in _rows(build("request.mla", body, "hr").body)}
    first, second = rows["assistance_sought.0.details.questions.0"], rows["assistance_sought.0.details.questions.1"]
    assert (first.kind, first.language, first.translations) == ("text", "bs", [])
    assert second.value == body["assistance_sought"][0]["details"]["questions"][1]
    assert [(t.language, t.text) for t in second.translations] == [("en", "Second, in English")]
