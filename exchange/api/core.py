"""The REST API's plumbing: the flask-smorest Api, bearer-token authentication, ETags, errors.

Scripts authenticate with a personal API token (`Authorization: Bearer mlx_...`), never with a
browser session: the API then needs no CSRF defence, and a token can be revoked on its own.
Versions of cases, messages and users are their ETags; an update must name the version it
changes (`If-Match`), so a stale copy gets 412 instead of silently overwriting someone's work.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g, request
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from exchange.auth import services as auth
from exchange.auth.policy import Actor
from exchange.errors import ExchangeError, error_body
from exchange.node import current_node

API_PREFIX = "/api/v1"


class Unauthenticated(ExchangeError):
    status = 401
    code = "unauthenticated"


class PreconditionRequired(ExchangeError):
    status = 428
    code = "precondition_required"


class ExchangeApi(Api):  # type: ignore[misc]
    """flask-smorest's Api with our error shape for the errors it raises itself (422 and others)."""

    from exchange.api.schemas import Error as ERROR_SCHEMA

    def _register_pagination_header(self) -> None:
        # The header carries JSON as a string; documenting it as an object makes every strict
        # client (and schemathesis) reject a correct response.
        self.spec.components.header(
            "PAGINATION",
            {
                "description": "JSON: total, total_pages, first_page, last_page, page, previous_page, next_page",
                "schema": {"type": "string"},
            },
            lazy=True,
        )

    def handle_http_exception(self, error: HTTPException) -> Any:
        code = error.code or 500
        data = getattr(error, "data", None) or {}
        messages = data.get("messages") or data.get("errors")
        if messages:
            # webargs reports by location ({"json": {...}} or {"query": {...}}); callers want fields.
            flat: dict[str, Any] = {}
            for value in messages.values() if isinstance(messages, dict) else ():
                if isinstance(value, dict):
                    flat.update(value)
            body = error_body("invalid_input", "the request has errors", fields=flat or messages)
        else:
            body = error_body(_code_of(code), error.description or error.name)
        return body, code, data.get("headers") or {}


def _code_of(status: int) -> str:
    return {
        400: "bad_request",
        401: "unauthenticated",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        413: "payload_too_large",
        415: "unsupported_media_type",
        422: "invalid_input",
        428: "precondition_required",
    }.get(status, "http_error")


def init_api(app: Flask) -> ExchangeApi:
    app.config.update(
        API_TITLE="mla-exchange",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=API_PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
    )
    api = ExchangeApi(
        app,
        spec_kwargs={
            "info": {
                "description": (
                    "The node's API for prosecutors, contact points, administrators and auditors. "
                    "Authenticate with a personal token: `Authorization: Bearer mlx_...` "
                    "(create one with `exchange token create`). Errors always have the shape "
                    '`{"error": {"code", "message", "fields"?}}`. Lists are paginated with `page` and '
                    "`page_size`; the `X-Pagination` header says how many there are. Updates need "
                    "`If-Match` with the ETag you read; a stale one gets 412."
                )
            },
            "security": [{"token": []}],
        },
    )
    api.spec.components.security_scheme("token", {"type": "http", "scheme": "bearer"})
    return api


def current_actor() -> Actor:
    """The actor behind this request's bearer token (cached on `g`); 401 without a valid one."""
    actor: Actor | None = g.get("api_actor")
    if actor is not None:
        return actor
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthenticated("send a personal token: Authorization: Bearer mlx_...")
    node = current_node()
    user = auth.resolve_token(node, secret.strip())
    if user is None:
        raise Unauthenticated("the token is not valid (unknown, expired or revoked)")
    g.api_actor = actor = auth.actor_of(node, user)
    return actor


def etag_of(version: int) -> str:
    return f'"{version}"'


def expected_version(*, required: bool) -> int | None:
    """The version named by If-Match; 428 if `required` and it is missing, 412 if it is not one."""
    header = request.headers.get("If-Match")
    if header is None:
        if required:
            raise PreconditionRequired("send If-Match with the ETag you read, so nobody's changes are lost")
        return None
    value = header.strip()
    if value == "*":
        return None
    if value.startswith("W/"):
        value = value[2:]
    value = value.strip('"')
    if not value.isdigit():
        from exchange.requests.services import PreconditionFailed

        raise PreconditionFailed("If-Match names no version of this object")
    return int(value)


# Far beyond any real list; keeps a huge `page` from overflowing the database's integers.
MAX_OFFSET = 1_000_000_000


def window(pagination_parameters: Any) -> tuple[int, int]:
    """The offset and limit a page asks for, as the services take them."""
    return min(pagination_parameters.first_item, MAX_OFFSET), pagination_parameters.page_size
