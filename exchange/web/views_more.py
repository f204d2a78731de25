"""The audit trail for auditors, and one's own account (language, tokens, sessions)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Response, flash, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from exchange.audit import services as audit
from exchange.auth import admin
from exchange.auth import services as auth
from exchange.auth.models import Role
from exchange.errors import ExchangeError
from exchange.node import current_node
from exchange.web import sessions
from exchange.web.core import actor, bp, language, login_required, render
from exchange.web.i18n import t

PAGE_SIZE = 50


def _day(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value).replace(tzinfo=UTC) if value else None
    except ValueError:
        return None


@bp.route("/audit")
@login_required
def audit_trail() -> Response:
    who = actor()
    if not who.has(Role.AUDITOR):
        return render("error.html", status=403, message=t("error.role", language()))
    node = current_node()
    page = max(1, request.args.get("page", 1, type=int) or 1)
    filters: dict[str, Any] = {
        "action": request.args.get("action") or None,
        "actor_id": request.args.get("actor") or None,
        "object_id": request.args.get("object") or None,
        "since": _day(request.args.get("since")),
        "until": _day(request.args.get("until")),
    }
    with node.transaction() as session:
        found = audit.list_events(session, offset=min((page - 1) * PAGE_SIZE, 10**9), limit=PAGE_SIZE, **filters)
        chain = audit.verify_chain(session)
        audit.record(session, who, "audit.view", at=node.clock.now())
    pages = max(1, (found.total + PAGE_SIZE - 1) // PAGE_SIZE)
    return render(
        "audit.html", events=found.events, total=found.total, page=page, pages=pages, chain=chain, args=request.args
    )


@bp.route("/account")
@login_required
def account() -> Response:
    node, who = current_node(), actor()
    return render(
        "account.html",
        tokens=admin.list_tokens(node, who),
        live_sessions=sessions.active_sessions(node, who.id),
        now=node.clock.now(),
    )


@bp.route("/account/tokens/<token_id>/revoke", methods=["POST"])
@login_required
def token_revoke(token_id: str) -> BaseResponse:
    try:
        auth.revoke_token(current_node(), actor(), token_id)
        flash(t("flash.token_revoked", language()), "ok")
    except ExchangeError as exc:
        flash(str(exc), "error")
    return redirect(url_for("web.account"))
