"""The request wizard and reply forms: a draft is saved at every step, checked field by field.

A new request starts by choosing the recipient; the instrument follows from the two countries
(an EIO between two states bound by the EIO Directive, an MLA request otherwise). Each step
saves what was entered: types, codes and unknown fields are checked at once and shown beside
their inputs; what is still missing is listed on the review page, with links back to the step
that asks for it, and submitting for approval is possible only once nothing is missing.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from flask import Response, flash, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from exchange.auth.models import Authority
from exchange.auth.policy import Forbidden
from exchange.errors import ExchangeError, InvalidInput
from exchange.node import current_node
from exchange.requests import services as cases
from exchange.requests.models import Case, Direction
from exchange.web import forms
from exchange.web.core import actor, bp, language, login_required, render
from exchange.web.i18n import t
from exchange.web.views_cases import _fail, _load_draft, _replies_allowed, _version
from exchange.web.views_translations import recipient_languages, translation_languages
from protocols.v1.i18n import label
from protocols.v1.templates.base import instrument_between


def _peers() -> list[dict[str, str]]:
    node = current_node()
    directory = node.directory.current()
    ours = directory.node(node.id).country
    return [
        {
            "id": entry.id,
            "name": entry.name,
            "country": entry.country,
            "instrument": instrument_between(ours, entry.country),
        }
        for entry in directory.nodes
        if entry.id != node.id
    ]


def _authority_name(authority_id: str | None) -> str:
    if not authority_id:
        return ""
    with current_node().db.sessions() as session:
        authority = session.get(Authority, authority_id)
    return authority.name if authority else ""


def _starting_body(message_type: str, recipient: str) -> dict[str, Any]:
    """What the form can fill in for the prosecutor: their language, the states, their office."""
    node, who = current_node(), actor()
    directory = node.directory.current()
    lang = language()
    body: dict[str, Any] = {"language": lang}
    if message_type == "request.mla":
        body["requesting_state"] = directory.node(node.id).country
        body["requested_state"] = directory.node(recipient).country
        body["requesting_authority"] = {
            "official_name": _authority_name(who.authority_id),
            "representative_name": who.name,
        }
    if message_type == "info.spontaneous":
        body["providing_authority"] = {
            "official_name": _authority_name(who.authority_id),
            "representative_name": who.name,
        }
    return body


@bp.route("/requests/new", methods=["GET", "POST"])
@login_required
def request_new() -> BaseResponse:
    peers = _peers()
    if request.method == "GET":
        return render("request_new.html", peers=peers)
    recipient = request.form.get("recipient", "")
    kind = request.form.get("kind", "request")
    peer = next((p for p in peers if p["id"] == recipient), None)
    if peer is None:
        flash(t("flash.choose_recipient", language()), "error")
        return render("request_new.html", peers=peers, status=422)
    message_type = {
        "request": "request.eio" if peer["instrument"] == "eio" else "request.mla",
        "jit": "request.jit_proposal",
        "spontaneous": "info.spontaneous",
    }.get(kind, "request.mla")
    try:
        _case, message = cases.create_request(
            current_node(), actor(), recipient=recipient, message_type=message_type,
            body=_starting_body(message_type, recipient),
        )  # fmt: skip
    except ExchangeError as exc:
        _fail(exc)
        return redirect(url_for("web.request_new"))
    return redirect(url_for("web.draft_edit", message_id=message.id, step=0))


@bp.route("/cases/<case_id>/reply", methods=["POST"])
@login_required
def reply_new(case_id: str) -> BaseResponse:
    node, who = current_node(), actor()
    message_type = request.form.get("message_type", "")
    try:
        case, _views = cases.get_case(node, who, case_id)
        if message_type not in _replies_allowed(case):
            raise InvalidInput(t("flash.reply_not_possible", language()))
        message = cases.draft_reply(node, who, case_id, message_type=message_type, body=_reply_body(case, message_type))
    except ExchangeError as exc:
        _fail(exc)
        return redirect(url_for("web.case_detail", case_id=case_id))
    return redirect(url_for("web.draft_edit", message_id=message.id, step=0))


def _reply_body(case: Case, message_type: str) -> dict[str, Any]:
    body: dict[str, Any] = {"language": language()}
    if message_type in ("decision.refusal", "decision.postponement") and case.instrument in ("mla", "eio"):
        body["instrument"] = case.instrument
    if case.our_reference:
        body["our_reference"] = case.our_reference
    if case.their_reference:
        body["their_reference"] = case.their_reference
    return body


def _remove_item(body: dict[str, Any], path: str) -> None:
    """Drop the list item at `path` (e.g. offences.1 or persons.0.natural.nationalities.2)."""
    *parents, last = path.split(".")
    target: Any = body
    for part in parents:
        target = target[int(part)] if isinstance(target, list) and part.isdigit() else target.get(part, {})
    if isinstance(target, list) and last.isdigit() and int(last) < len(target):
        target.pop(int(last))


@bp.route("/drafts/<message_id>", methods=["GET", "POST"])
@login_required
def draft_edit(message_id: str) -> BaseResponse:
    lang = language()
    try:
        case, view = _load_draft(message_id)
    except Forbidden:
        return render("error.html", status=403, message=t("error.not_your_draft", lang))
    plan = forms.steps(view.message.message_type, lang)
    step = min(max(request.values.get("step", 0, type=int) or 0, 0), len(plan) - 1)
    body = dict(view.body)
    errors: dict[str, list[str]] = {}
    extra: dict[str, int] = {}
    if request.method == "POST":
        before = copy.deepcopy(body)
        body = forms.merge_step(body, plan[step], request.form)
        if request.form.get("_remove"):
            _remove_item(body, request.form["_remove"])
        body, dropped = forms.carry_translations(view.message.message_type, before, body)
        try:
            saved = cases.update_draft(current_node(), actor(), message_id, body, expected_version=_version())
        except cases.FieldErrors as exc:
            errors = forms.localised(forms.flatten_errors(exc.errors), lang)
            saved = None
        except ExchangeError as exc:
            _fail(exc)
            return redirect(url_for("web.draft_edit", message_id=message_id, step=step))
        if saved is not None:
            if dropped:
                flash(t("translation.dropped", lang, count=dropped), "ok")
            if request.form.get("_add"):
                extra[request.form["_add"]] = 1
                _case, view = _load_draft(message_id)
                body = dict(view.body)
            elif request.form.get("_remove"):
                _case, view = _load_draft(message_id)
                body = dict(view.body)
            else:
                go = request.form.get("go", "next")
                if go == "review" or (go == "next" and step == len(plan) - 1):
                    return redirect(url_for("web.draft_review", message_id=message_id))
                following = {"next": step + 1, "back": max(step - 1, 0)}.get(go, step)
                if go.startswith("step:") and go[5:].isdigit():
                    following = int(go[5:])
                return redirect(url_for("web.draft_edit", message_id=message_id, step=following))
    shown = {field["name"] for field in plan[step].fields}
    elsewhere = [
        {"path": path, "label": forms.label_of(path, plan), "messages": messages, "step": forms.step_of(path, plan)}
        for path, messages in sorted(errors.items())
        if path.split(".", 1)[0] not in shown
    ]
    return render(
        "draft.html",
        status=422 if errors else 200,
        elsewhere=elsewhere,
        case=case,
        message=view.message,
        title=label(f"message_type.{view.message.message_type}", lang),
        plan=plan,
        step=step,
        body=body,
        errors=errors,
        extra=extra,
    )


@bp.route("/drafts/<message_id>/review")
@login_required
def draft_review(message_id: str) -> Response:
    lang = language()
    try:
        case, view = _load_draft(message_id)
    except Forbidden:
        return render("error.html", status=403, message=t("error.not_your_draft", lang))
    from exchange.render.document import build as build_document

    plan = forms.steps(view.message.message_type, lang)
    flat = forms.localised(forms.flatten_errors(cases.problems(view.message.message_type, view.body)), lang)
    problems = [
        {"path": path, "label": forms.label_of(path, plan), "messages": messages, "step": forms.step_of(path, plan)}
        for path, messages in sorted(flat.items())
    ]
    attached = [entry for entry in view.body.get("translations") or [] if isinstance(entry, Mapping)]
    return render(
        "review.html",
        case=case,
        message=view.message,
        document=build_document(view.message.message_type, view.body, lang),
        problems=problems,
        plan=plan,
        translations=[{"language": e.get("language"), "count": len(e.get("texts") or {})} for e in attached],
        translatable=translation_languages(view.body, recipient_languages(case.peer_node)),
    )


@bp.route("/drafts/<message_id>/submit", methods=["POST"])
@login_required
def draft_submit(message_id: str) -> BaseResponse:
    try:
        message = cases.submit(current_node(), actor(), message_id, expected_version=_version())
    except cases.FieldErrors:
        flash(t("flash.incomplete", language()), "error")
        return redirect(url_for("web.draft_review", message_id=message_id))
    except ExchangeError as exc:
        _fail(exc)
        return redirect(url_for("web.draft_review", message_id=message_id))
    flash(t("flash.submitted", language()), "ok")
    return redirect(url_for("web.case_detail", case_id=message.case_id))


@bp.route("/drafts/<message_id>/discard", methods=["POST"])
@login_required
def draft_discard(message_id: str) -> BaseResponse:
    node, who = current_node(), actor()
    try:
        case, view = cases.get_message(node, who, message_id)
        if view.message.message_type == case.request_type and case.direction == Direction.OUTGOING:
            cases.close(node, who, case.id)
        else:
            cases.discard_draft(node, who, message_id)
    except ExchangeError as exc:
        _fail(exc)
        return redirect(url_for("web.draft_review", message_id=message_id))
    flash(t("flash.discarded", language()), "ok")
    return redirect(url_for("web.dashboard"))
