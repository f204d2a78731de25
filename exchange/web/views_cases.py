"""The pages of daily work: the dashboard, case lists, a case, approving, registering, routing.

Views translate between forms and the service layer; every decision about who may do what is
made in `exchange.requests.services`, the same for these pages, the API and the command line.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, g, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from exchange.auth import admin
from exchange.auth.models import Role
from exchange.auth.policy import Forbidden
from exchange.errors import ExchangeError
from exchange.node import current_node
from exchange.render.document import build as build_document
from exchange.requests import reminders
from exchange.requests import services as cases
from exchange.requests import workflow as wf
from exchange.requests.models import Case, Direction, MessageState
from exchange.web.core import actor, bp, language, login_required, render
from exchange.web.i18n import t

PAGE_SIZE = 25


def _version() -> int | None:
    raw = request.form.get("version", "")
    return int(raw) if raw.isdigit() else None


def _load_draft(message_id: str) -> tuple[Case, cases.MessageView]:
    """A draft (or a draft returned with comments) of the signed-in person's own; else Forbidden."""
    case, view = cases.get_message(current_node(), actor(), message_id)
    if view.message.drafted_by != actor().id or view.message.state not in (MessageState.DRAFT, MessageState.RETURNED):
        raise Forbidden(t("error.not_your_draft", language()))
    return case, view


def _fail(exc: ExchangeError) -> None:
    """Tell the person why, in their language where we have the words, on the page they return to."""
    if isinstance(exc, cases.PreconditionFailed):
        flash(t("flash.stale", language()), "error")
    elif isinstance(exc, Forbidden):
        flash(t("flash.forbidden", language()), "error")
    else:
        flash(str(exc), "error")


@bp.route("/")
def home() -> BaseResponse:
    return redirect(url_for("web.dashboard") if g.get("live") else url_for("web.login"))


@bp.route("/dashboard")
@login_required
def dashboard() -> Response:
    node, who = current_node(), actor()
    context: dict[str, Any] = {
        "drafts": cases.drafts_of(node, who) if who.has(Role.PROSECUTOR) or who.has(Role.CONTACT_POINT) else [],
        "overdue": cases.list_cases(node, who, overdue=True, limit=20).cases,
        "reminders": reminders.open_reminders(node, who)[:20],
        "recent": cases.list_cases(node, who, limit=10).cases,
        "approvals": [],
        "to_register": [],
        "assigned": [],
    }
    if who.has(Role.CONTACT_POINT):
        context["approvals"] = cases.pending_approvals(node, who)
        context["to_register"] = [
            *cases.list_cases(node, who, direction=Direction.INCOMING, state=wf.RECEIVED, limit=50).cases,
            *cases.list_cases(node, who, direction=Direction.INCOMING, state=wf.REGISTERED, limit=50).cases,
            *cases.list_cases(node, who, direction=Direction.INCOMING, state=wf.UNMATCHED, limit=50).cases,
        ]
    if who.has(Role.PROSECUTOR):
        context["assigned"] = [
            case
            for case in cases.list_cases(node, who, direction=Direction.INCOMING, limit=50).cases
            if case.assigned_user_id == who.id and case.state not in (wf.CLOSED,)
        ]
    return render("dashboard.html", **context)


@bp.route("/cases")
@login_required
def case_list() -> Response:
    node, who = current_node(), actor()
    page = max(1, request.args.get("page", 1, type=int) or 1)
    filters: dict[str, Any] = {
        "direction": request.args.get("direction") or None,
        "state": request.args.get("state") or None,
        "peer": request.args.get("peer") or None,
        "overdue": request.args.get("overdue") == "1",
    }
    if filters["direction"] not in (None, Direction.INCOMING, Direction.OUTGOING):
        filters["direction"] = None
    if filters["state"] not in (None, *wf.OUTGOING, *wf.INCOMING):
        filters["state"] = None
    found = cases.list_cases(node, who, offset=min((page - 1) * PAGE_SIZE, 10**9), limit=PAGE_SIZE, **filters)
    pages = max(1, (found.total + PAGE_SIZE - 1) // PAGE_SIZE)
    states = sorted(set(wf.OUTGOING) | set(wf.INCOMING))
    return render(
        "cases.html", cases=found.cases, total=found.total, page=page, pages=pages, filters=filters, states=states
    )


def _replies_allowed(case: Case) -> list[str]:
    who = actor()
    if not (who.has(Role.PROSECUTOR) or who.has(Role.CONTACT_POINT)) or case.state == wf.CLOSED:
        return []
    if case.direction == Direction.INCOMING and case.state in (wf.RECEIVED, wf.REGISTERED, wf.UNMATCHED):
        return []
    allowed = wf.REPLIES_ON_INCOMING if case.direction == Direction.INCOMING else wf.REPLIES_ON_OUTGOING
    result = []
    for message_type in allowed:
        if not wf.fits_instrument(message_type, case.instrument):
            continue
        target = wf.target_of(message_type)
        if message_type == "execution.result":
            target = wf.PARTIALLY_EXECUTED
        if target is None or wf.can(case.direction, case.state, target):
            result.append(message_type)
    return result


@bp.route("/cases/<case_id>")
@login_required
def case_detail(case_id: str) -> Response:
    node, who = current_node(), actor()
    try:
        case, views = cases.get_case(node, who, case_id)
    except Forbidden:
        return render("error.html", status=403, message=t("error.not_visible", language()))
    lang = language()
    messages = [
        {
            "view": view,
            "document": build_document(view.message.message_type, view.body, lang),
            "mine": view.message.drafted_by == who.id,
        }
        for view in views
    ]
    routing: list[dict[str, Any]] = []
    if who.has(Role.CONTACT_POINT) and case.direction == Direction.INCOMING:
        prosecutors = admin.list_users(node, who, role=Role.PROSECUTOR, limit=500).users
        routing = [
            {"authority": authority, "prosecutors": [p for p in prosecutors if p.authority_id == authority.id]}
            for authority in admin.list_authorities(node, who)
            if authority.kind != "central_authority"
        ]
    return render(
        "case.html",
        case=case,
        messages=messages,
        transitions=cases.transitions(node, who, case_id),
        replies=_replies_allowed(case),
        routing=routing,
        can_close=wf.can(case.direction, case.state, wf.CLOSED)
        and (who.has(Role.PROSECUTOR) or who.has(Role.CONTACT_POINT)),
        can_register=who.has(Role.CONTACT_POINT) and case.direction == Direction.INCOMING and case.state == wf.RECEIVED,
        can_route=who.has(Role.CONTACT_POINT)
        and case.direction == Direction.INCOMING
        and wf.can(case.direction, case.state, wf.ROUTED),
        is_cp=who.has(Role.CONTACT_POINT),
        MessageState=MessageState,
    )


@bp.route("/cases/<case_id>/register", methods=["POST"])
@login_required
def case_register(case_id: str) -> BaseResponse:
    try:
        cases.register(
            current_node(),
            actor(),
            case_id,
            our_reference=request.form.get("our_reference", ""),
            expected_version=_version(),
        )
        flash(t("flash.registered", language()), "ok")
    except ExchangeError as exc:
        _fail(exc)
    return redirect(url_for("web.case_detail", case_id=case_id))


@bp.route("/cases/<case_id>/route", methods=["POST"])
@login_required
def case_route(case_id: str) -> BaseResponse:
    target = request.form.get("target", "")
    authority_id, _, assignee_id = target.partition(":")
    try:
        cases.route(
            current_node(), actor(), case_id, authority_id=authority_id, assignee_id=assignee_id or None,
            expected_version=_version(),
        )  # fmt: skip
        flash(t("flash.routed", language()), "ok")
    except ExchangeError as exc:
        _fail(exc)
    return redirect(url_for("web.case_detail", case_id=case_id))


@bp.route("/cases/<case_id>/close", methods=["POST"])
@login_required
def case_close(case_id: str) -> BaseResponse:
    try:
        cases.close(current_node(), actor(), case_id, expected_version=_version())
        flash(t("flash.closed", language()), "ok")
    except ExchangeError as exc:
        _fail(exc)
    return redirect(url_for("web.case_detail", case_id=case_id))


@bp.route("/approvals")
@login_required
def approvals() -> Response:
    try:
        pending = cases.pending_approvals(current_node(), actor())
    except Forbidden:
        return render("error.html", status=403, message=t("error.role", language()))
    return render("approvals.html", pending=pending)


@bp.route("/messages/<message_id>")
@login_required
def message_view(message_id: str) -> Response:
    """One message as a document: the approval screen for a contact point, the reading view for others."""
    node, who = current_node(), actor()
    try:
        case, view = cases.get_message(node, who, message_id)
    except Forbidden:
        return render("error.html", status=403, message=t("error.not_visible", language()))
    document = build_document(view.message.message_type, view.body, language())
    can_approve = (
        who.has(Role.CONTACT_POINT)
        and view.message.state == MessageState.SUBMITTED
        and view.message.drafted_by != who.id
    )
    problems = cases.problems(view.message.message_type, view.body) if can_approve else {}
    from exchange.web.forms import flatten_errors, localised

    return render(
        "message.html",
        case=case,
        view=view,
        document=document,
        can_approve=can_approve,
        problems=localised(flatten_errors(problems), language()),
        drafter=_drafter_name(view.message.drafted_by),
    )


def _drafter_name(user_id: str | None) -> str:
    if not user_id:
        return ""
    from exchange.auth.models import User

    with current_node().db.sessions() as session:
        user = session.get(User, user_id)
    return user.display_name if user else ""


@bp.route("/messages/<message_id>/approve", methods=["POST"])
@login_required
def message_approve(message_id: str) -> BaseResponse:
    try:
        message = cases.approve(current_node(), actor(), message_id, expected_version=_version())
        flash(t("flash.approved", language()), "ok")
        return redirect(url_for("web.case_detail", case_id=message.case_id))
    except cases.FieldErrors:
        flash(t("flash.incomplete", language()), "error")
    except ExchangeError as exc:
        _fail(exc)
    return redirect(url_for("web.message_view", message_id=message_id))


@bp.route("/messages/<message_id>/return", methods=["POST"])
@login_required
def message_return(message_id: str) -> BaseResponse:
    try:
        message = cases.return_to_drafter(
            current_node(), actor(), message_id, comment=request.form.get("comment", ""), expected_version=_version()
        )
        flash(t("flash.returned", language()), "ok")
        return redirect(url_for("web.case_detail", case_id=message.case_id))
    except ExchangeError as exc:
        _fail(exc)
    return redirect(url_for("web.message_view", message_id=message_id))


@bp.route("/reminders/<int(max=2147483647):reminder_id>/acknowledge", methods=["POST"])
@login_required
def reminder_acknowledge(reminder_id: int) -> BaseResponse:
    try:
        reminders.acknowledge(current_node(), actor(), reminder_id)
    except ExchangeError as exc:
        _fail(exc)
    return redirect(url_for("web.dashboard"))


@bp.route("/messages/<message_id>/pdf")
@login_required
def message_pdf(message_id: str) -> Response:
    node, who = current_node(), actor()
    try:
        case, view = cases.get_message(node, who, message_id)
    except Forbidden:
        abort(403)
    from exchange.audit import services as audit
    from exchange.web.printing import pdf_response

    with node.transaction() as session:
        audit.record(session, who, "message.print", at=node.clock.now(), object_type="message", object_id=message_id)
    return pdf_response(case, view, language())
