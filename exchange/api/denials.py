"""Refusals are part of the audit trail: who tried what and was told no.

The refused change itself rolls back, so the event is written in a transaction of its own. The
caller gets the same answer as for an object that does not exist; only the trail tells them apart.
"""

from __future__ import annotations

from flask import Blueprint, Response, g, request

from exchange.audit import services as audit
from exchange.auth.policy import Forbidden
from exchange.errors import error_body
from exchange.node import current_node


def record_denial(actor_id: str, what: str) -> None:
    node = current_node()
    with node.transaction() as session:
        audit.record(
            session, actor_id, "denied", at=node.clock.now(), outcome="denied", details={"request": what[:200]}
        )


def audit_denials(bp: Blueprint) -> None:
    @bp.errorhandler(Forbidden)
    def _denied(exc: Forbidden) -> Response:
        from flask import json

        actor = g.get("api_actor")
        record_denial(actor.id if actor is not None else "anonymous", f"{request.method} {request.path}")
        return Response(json.dumps(error_body(exc.code, str(exc))), status=403, mimetype="application/json")
