"""The audit trail over REST, for auditors: events, filtered, and whether the hash chain holds."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from exchange.api import schemas as s
from exchange.api.core import current_actor, window
from exchange.api.denials import audit_denials
from exchange.audit import services as audit
from exchange.auth.models import Role
from exchange.auth.policy import require_role
from exchange.node import current_node

bp = Blueprint("audit", __name__, url_prefix="/api/v1/audit", description="The audit trail (auditors).")
audit_denials(bp)


@bp.route("/events")
class Events(MethodView):
    @bp.arguments(s.AuditFilter, location="query", as_kwargs=True)
    @bp.response(200, s.AuditEventOut(many=True))
    @bp.paginate(page_size=50, max_page_size=500)
    @bp.alt_response(401, response="UNAUTHORIZED")
    @bp.alt_response(403, response="FORBIDDEN")
    def get(self, pagination_parameters: Any, **filters: Any) -> Any:
        """Events, newest first: who did what to which object, when, and with what outcome."""
        actor = current_actor()
        require_role(actor, Role.AUDITOR)
        node = current_node()
        with node.transaction() as session:
            offset, limit = window(pagination_parameters)
            page = audit.list_events(
                session,
                action=filters.get("action"),
                actor_id=filters.get("actor"),
                object_id=filters.get("object_id"),
                since=filters.get("since"),
                until=filters.get("until"),
                offset=offset,
                limit=limit,
            )
            audit.record(session, actor, "audit.view", at=node.clock.now())
        pagination_parameters.item_count = page.total
        return page.events


@bp.route("/chain")
class Chain(MethodView):
    @bp.response(200, s.ChainOut)
    @bp.alt_response(401, response="UNAUTHORIZED")
    @bp.alt_response(403, response="FORBIDDEN")
    def get(self) -> Any:
        """Recompute every event's hash: whether the trail is intact, and where it breaks if not."""
        require_role(current_actor(), Role.AUDITOR)
        with current_node().db.sessions() as session:
            check = audit.verify_chain(session)
        return {"events": check.events, "intact": check.intact, "broken_at": check.broken_at}
