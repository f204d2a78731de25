"""Operational endpoints that are not part of the signed federation protocol."""

from __future__ import annotations

from flask import Blueprint, Response

from exchange.node import current_node

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """Up, database reachable, a directory installed: what a load balancer and the tests wait for."""
    from exchange import health_response

    return health_response(current_node())
