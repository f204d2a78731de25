"""What a client needs to build its forms: the federation's members and the templates."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from exchange.api import schemas as s
from exchange.api.core import current_actor
from exchange.errors import NotFound
from exchange.node import current_node
from protocols import registry
from protocols.v1.templates.base import instrument_between
from protocols.v1.templates.describe import describe

bp = Blueprint("reference", __name__, url_prefix="/api/v1", description="Members and templates, for building forms.")


@bp.route("/peers")
class Peers(MethodView):
    @bp.response(200, s.PeerOut(many=True))
    @bp.alt_response(401, response="UNAUTHORIZED")
    def get(self) -> Any:
        """The other members of the federation, and which instrument a request to each one uses."""
        current_actor()
        node = current_node()
        directory = node.directory.current()
        ours = directory.node(node.id).country
        return [
            {
                "id": entry.id,
                "country": entry.country,
                "name": entry.name,
                "languages": list(entry.languages),
                "instrument": instrument_between(ours, entry.country),
            }
            for entry in directory.nodes
            if entry.id != node.id
        ]


@bp.route("/templates/<string:message_type>")
class Template(MethodView):
    @bp.arguments(s.LanguageQuery, location="query", as_kwargs=True)
    @bp.response(200, s.TemplateOut)
    @bp.alt_response(401, response="UNAUTHORIZED")
    @bp.alt_response(404, response="NOT_FOUND")
    def get(self, message_type: str, lang: str) -> Any:
        """A template's fields, whether each is required, and its codes, labelled in `lang`."""
        current_actor()
        if message_type not in registry.MESSAGE_TYPES[registry.CURRENT.name]:
            raise NotFound(f"no template {message_type}")
        return describe(message_type, lang)
