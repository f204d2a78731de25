"""What every page needs: the signed-in person, their language, CSRF, security headers, errors.

- Sessions live on the server (exchange.web.sessions); the cookie is HttpOnly, SameSite=Lax, and
  Secure whenever the node is reached over HTTPS, so scripts and other sites cannot use it.
- Every form post carries the session's CSRF token; a post without the right one is refused
  before any view runs (SameSite alone does not cover older browsers or same-site subdomains).
- Pages are sent with a Content-Security-Policy that allows only this node's own styles and
  scripts and no framing, so injected markup cannot load or run anything.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from exchange.auth import services as auth
from exchange.auth.policy import Actor
from exchange.errors import ExchangeError
from exchange.node import current_node
from exchange.web import sessions
from exchange.web.i18n import best_language, t
from protocols.v1.i18n import LANGUAGES

log = logging.getLogger(__name__)

SESSION_COOKIE = "mlx_session"
LANGUAGE_COOKIE = "mlx_lang"

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static", static_url_path="/assets")

F = TypeVar("F", bound=Callable[..., Any])

CSP = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def secure_cookies() -> bool:
    """Secure cookies whenever the node's public address is HTTPS (behind a TLS terminator too)."""
    return current_node().own_url().startswith("https://") or request.is_secure


def language() -> str:
    live = g.get("live")
    if live is not None and live.user.language in LANGUAGES:
        return str(live.user.language)
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return str(chosen)
    return best_language(request.headers.get("Accept-Language"))


def actor() -> Actor:
    cached: Actor | None = g.get("web_actor")
    if cached is None:
        cached = auth.actor_of(current_node(), g.live.user)
        g.web_actor = cached
    return cached


@bp.before_app_request
def _load_session() -> None:
    g.live = None
    if request.blueprint not in ("web", None) and not request.path.startswith("/static"):
        return
    g.live = sessions.resolve(current_node(), request.cookies.get(SESSION_COOKIE))


@bp.before_request
def _check_csrf() -> None:
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return
    if request.endpoint in ("web.login", "web.language"):
        # Before sign-in there is no session to bind a token to; these check the Origin instead.
        if not same_origin():
            abort(403)
        return
    live = g.get("live")
    if live is None:
        return  # the view redirects to the login page
    if not sessions.csrf_ok(live, request.form.get("csrf_token") or request.headers.get("X-CSRF-Token")):
        abort(403)


def same_origin() -> bool:
    """A browser's post from this node's own pages (Origin, else Referer, must be this host)."""
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if not source:
        return True  # not a browser cross-site post (those always carry Origin today)
    return urlsplit(source).netloc == request.host


@bp.after_app_request
def _security_headers(response: Response) -> Response:
    if request.blueprint == "web" or request.path == "/":
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


@bp.app_context_processor
def _page_context() -> dict[str, Any]:
    lang = language() if request else "en"
    live = g.get("live")
    return {
        "lang": lang,
        "languages": LANGUAGES,
        "_": lambda key, **values: t(key, lang, **values),
        "me": live.user if live else None,
        "roles": set(live.user.roles) if live else set(),
        "csrf_token": live.session.csrf_token if live else "",
        "node_id": current_node().id,
    }


def login_required(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if g.get("live") is None:
            return redirect(url_for("web.login", next=request.full_path if request.method == "GET" else None))
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def safe_next(target: str | None) -> str:
    """Only a path on this node: an open redirect would let a phishing link borrow our login page."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("web.dashboard")


def set_session_cookie(response: BaseResponse, token: str) -> BaseResponse:
    max_age = int(current_node().settings.session_max.total_seconds())
    response.set_cookie(
        SESSION_COOKIE, token, max_age=max_age, httponly=True, samesite="Lax", secure=secure_cookies(), path="/"
    )
    return response


def render(template: str, /, status: int = 200, **context: Any) -> Response:
    return Response(render_template(template, **context), status=status, mimetype="text/html")


@bp.errorhandler(403)
def _forbidden(_exc: Exception) -> Response:
    return render("error.html", status=403, message=t("error.forbidden", language()))


@bp.errorhandler(ExchangeError)
def _service_error(exc: ExchangeError) -> Response:
    if exc.status >= 500:
        log.exception("service error on a page")
        return render("error.html", status=500, message=t("error.internal", language()))
    return render("error.html", status=exc.status, message=str(exc))


@bp.errorhandler(500)
def _internal(_exc: Exception) -> Response:
    return render("error.html", status=500, message=t("error.internal", language()))
