"""Translations of a draft's free text: one language at a time, each text beside its translation.

A requesting prosecutor often attaches a translation into the language the other side works in;
the receiving prosecutor then reads the original and, beside it, the translation (the document's
text rows). This page lists every free text the draft holds, labelled as the document labels it,
with a box for its translation. Saving writes the body's `translations` entry for that language
and goes through the same draft change as every wizard step, so the template's rule applies: a
translation names free text of this body, in a language other than the text's.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from flask import abort, flash, redirect, request, url_for
from marshmallow import ValidationError
from werkzeug.wrappers import Response as BaseResponse

from exchange.auth.policy import Forbidden
from exchange.errors import ExchangeError
from exchange.node import current_node
from exchange.render.document import Row, Section, build
from exchange.requests import services as cases
from exchange.web import forms
from exchange.web.core import actor, bp, language, login_required, render
from exchange.web.i18n import t
from exchange.web.views_cases import _fail, _load_draft, _version
from protocols.v1.bodies import LANGUAGE_TAG
from protocols.v1.i18n import LANGUAGES


def _text_rows(section: Section, trail: tuple[str, ...] = ()) -> Iterator[tuple[str, Row]]:
    """Every free-text row of the document, with the section titles above it (`Offences 1 › Facts`)."""
    here = (*trail, section.title) if section.title else trail
    for row in section.rows:
        if row.kind == "text":
            yield " › ".join((*here, row.label)), row
    for child in section.sections:
        yield from _text_rows(child, here)


def translation_languages(body: Mapping[str, Any], recipient_languages: list[str]) -> list[str]:
    """Languages a draft can be translated into: ours, the recipient's, and any it already has
    (one attached through the API stays editable here), never the text's own."""
    written_in = body.get("language")
    attached = [entry.get("language") for entry in body.get("translations") or [] if isinstance(entry, Mapping)]
    offered: list[str] = []
    for tag in [*LANGUAGES, *recipient_languages, *attached]:
        if isinstance(tag, str) and _is_language_tag(tag) and tag != written_in and tag not in offered:
            offered.append(tag)
    return offered


def _is_language_tag(tag: str) -> bool:
    try:
        LANGUAGE_TAG(tag)
    except ValidationError:
        return False
    return True


def recipient_languages(peer_node: str) -> list[str]:
    directory = current_node().directory.current()
    return list(directory.node(peer_node).languages) if directory.has_node(peer_node) else []


@bp.route("/drafts/<message_id>/translations/<tag>", methods=["GET", "POST"])
@login_required
def draft_translation(message_id: str, tag: str) -> BaseResponse:
    lang = language()
    try:
        case, view = _load_draft(message_id)
    except Forbidden:
        return render("error.html", status=403, message=t("error.not_your_draft", lang))
    body = dict(view.body)
    if tag not in translation_languages(body, recipient_languages(case.peer_node)):
        abort(404)
    entries = [entry for entry in body.get("translations") or [] if isinstance(entry, Mapping)]
    current = next((entry for entry in entries if entry.get("language") == tag), {})
    texts = list(_text_rows(build(view.message.message_type, body, lang).body))
    errors: dict[str, list[str]] = {}
    posted: dict[str, str] = {}
    if request.method == "POST":
        others = [entry for entry in entries if entry.get("language") != tag]
        posted = {row.path: request.form.get(f"t.{row.path}", "").replace("\r\n", "\n").strip() for _l, row in texts}
        entry: dict[str, Any] = {"language": tag, "texts": {path: text for path, text in posted.items() if text}}
        translated_by = request.form.get("translated_by", "").strip()
        if translated_by:
            entry["translated_by"] = translated_by
        removing = bool(request.form.get("remove")) or not entry["texts"]
        kept = others if removing else [*others, entry]
        if kept:
            body["translations"] = kept
        else:
            body.pop("translations", None)
        try:
            cases.update_draft(current_node(), actor(), message_id, body, expected_version=_version())
        except cases.FieldErrors as exc:
            errors = forms.localised(forms.flatten_errors(exc.errors), lang)
        except ExchangeError as exc:
            _fail(exc)
            return redirect(url_for("web.draft_translation", message_id=message_id, tag=tag))
        else:
            flash(t("translation.removed" if removing and current else "translation.saved", lang), "ok")
            return redirect(url_for("web.draft_review", message_id=message_id))
    saved_texts = current.get("texts")
    saved: Mapping[str, Any] = saved_texts if isinstance(saved_texts, Mapping) else {}
    return render(
        "translation.html",
        status=422 if errors else 200,
        case=case,
        message=view.message,
        tag=tag,
        written_in=body.get("language"),
        texts=[
            {"label": where, "row": row, "value": posted.get(row.path, saved.get(row.path, ""))} for where, row in texts
        ],
        translated_by=request.form.get("translated_by", "") if posted else current.get("translated_by", ""),
        exists=bool(current),
        errors=errors,
    )
