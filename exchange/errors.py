"""The service's errors: one base class; translated to HTTP only at the edge.

A client never sees `str(exception)` of an unexpected error, and a peer's error text is never
passed through to our users: the edge answers with a stable code and a fixed message.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, json

log = logging.getLogger(__name__)


class ExchangeError(Exception):
    """Base class of the service's own errors."""

    status = 500
    code = "internal_error"


class ConfigurationError(ExchangeError):
    """The node is not configured well enough to start (keys, directory, settings)."""

    code = "configuration_error"


class NotFound(ExchangeError):
    status = 404
    code = "not_found"


class Conflict(ExchangeError):
    status = 409
    code = "conflict"


class InvalidInput(ExchangeError):
    """Well-formed, but not acceptable: a wrong field, a recipient that is not a member ..."""

    status = 422
    code = "invalid_input"


def error_body(code: str, message: str, *, fields: Any = None) -> dict[str, Any]:
    """The one error shape of the user plane and of non-envelope federation errors."""
    error: dict[str, Any] = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ExchangeError)
    def _exchange_error(exc: ExchangeError) -> Response:
        if exc.status >= 500:
            log.exception("service error")
            message = "the node could not complete the request"
        else:
            message = str(exc) or exc.code
        response = Response(
            json.dumps(error_body(exc.code, message, fields=getattr(exc, "errors", None))),
            status=exc.status,
            mimetype="application/json",
        )
        if exc.status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="mla-exchange"'
        return response

    @app.errorhandler(404)
    def _not_found(_exc: Exception) -> Response:
        return Response(json.dumps(error_body("not_found", "no such resource")), 404, mimetype="application/json")

    @app.errorhandler(405)
    def _method(_exc: Exception) -> Response:
        return Response(
            json.dumps(error_body("method_not_allowed", "method not allowed")), 405, mimetype="application/json"
        )

    @app.errorhandler(500)
    def _internal(_exc: Exception) -> Response:
        return Response(
            json.dumps(error_body("internal_error", "the node could not complete the request")),
            500,
            mimetype="application/json",
        )
