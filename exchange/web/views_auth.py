"""Signing in and out, and choosing the page language."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, g, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from exchange.auth import services as auth
from exchange.auth.models import User
from exchange.node import current_node
from exchange.web import oidc, sessions, throttle
from exchange.web.core import LANGUAGE_COOKIE, SESSION_COOKIE, bp, render, safe_next, secure_cookies, set_session_cookie
from exchange.web.i18n import t
from protocols.v1.i18n import LANGUAGES


def _oidc_client() -> object | None:
    oauth = current_app.extensions.get("exchange.oidc")
    return oauth.create_client(oidc.CLIENT) if oauth is not None else None


def _start(user: User, method: str, target: str | None) -> BaseResponse:
    token, _row = sessions.start(current_node(), user, method)
    return set_session_cookie(redirect(safe_next(target)), token)


@bp.route("/login", methods=["GET", "POST"])
def login() -> BaseResponse:
    node = current_node()
    if g.get("live") is not None and request.method == "GET":
        return redirect(url_for("web.dashboard"))
    local = node.settings.local_login_allowed
    context: dict[str, Any] = {
        "local": local,
        "oidc_name": node.settings.oidc_name if _oidc_client() is not None else None,
        "next": request.values.get("next", ""),
    }
    if request.method == "GET":
        return render("login.html", **context)
    if not local:
        return render("login.html", status=403, error="login.local_disabled", **context)
    address = request.remote_addr or "unknown"
    if not throttle.for_app(current_app).hit("login", address):
        return render("login.html", status=429, error="login.too_many", **context)
    try:
        user = auth.authenticate(node, request.form.get("username", ""), request.form.get("password", ""))
    except auth.LoginFailed:
        return render(
            "login.html", status=401, error="login.failed", username=request.form.get("username", ""), **context
        )
    return _start(user, "password", request.form.get("next"))


@bp.route("/login/oidc")
def oidc_login() -> BaseResponse:
    client = _oidc_client()
    if client is None:
        return redirect(url_for("web.login"))
    from flask import session

    session["next"] = safe_next(request.args.get("next"))
    return client.authorize_redirect(oidc.redirect_uri(current_node()))  # type: ignore[attr-defined,no-any-return]


@bp.route("/login/oidc/callback")
def oidc_callback() -> BaseResponse:
    from authlib.integrations.base_client.errors import OAuthError
    from flask import session

    client = _oidc_client()
    if client is None:
        return redirect(url_for("web.login"))
    node = current_node()
    try:
        token = client.authorize_access_token()  # type: ignore[attr-defined]
    except OAuthError:
        return render("login.html", status=401, error="login.oidc_failed", local=node.settings.local_login_allowed,
                      oidc_name=node.settings.oidc_name, next="")  # fmt: skip
    claims = token.get("userinfo") or {}
    issuer = client.load_server_metadata().get("issuer", node.settings.oidc_issuer)  # type: ignore[attr-defined]
    try:
        user = oidc.user_for(node, str(issuer), dict(claims))
    except oidc.NotEnrolled:
        return render("login.html", status=403, error="login.not_enrolled", local=node.settings.local_login_allowed,
                      oidc_name=node.settings.oidc_name, next="")  # fmt: skip
    target = session.pop("next", None)
    return _start(user, "oidc", target)


@bp.route("/logout", methods=["POST"])
def logout() -> BaseResponse:
    sessions.end(current_node(), request.cookies.get(SESSION_COOKIE))
    response = redirect(url_for("web.login"))
    response.delete_cookie(SESSION_COOKIE, path="/", secure=secure_cookies(), httponly=True, samesite="Lax")
    return response


@bp.route("/language", methods=["POST"])
def language() -> BaseResponse:
    chosen = request.form.get("language", "")
    target = safe_next(request.form.get("next"))
    if chosen not in LANGUAGES:
        return redirect(target)
    live = g.get("live")
    if live is not None:
        if not sessions.csrf_ok(live, request.form.get("csrf_token")):
            return Response(t("error.forbidden", "en"), status=403)
        from exchange.auth import admin
        from exchange.web.core import actor

        admin.update_user(current_node(), actor(), live.user.id, expected_version=None, language=chosen)
    response = redirect(target)
    response.set_cookie(LANGUAGE_COOKIE, chosen, max_age=365 * 86400, samesite="Lax", secure=secure_cookies())
    return response
