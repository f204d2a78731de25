"""Who is signed in, authorities, users and one's own API tokens over REST."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from exchange.api import schemas as s
from exchange.api.core import current_actor, etag_of, expected_version, window
from exchange.api.denials import audit_denials
from exchange.auth import admin
from exchange.auth import services as auth
from exchange.auth.models import User
from exchange.node import current_node

bp = Blueprint("people", __name__, url_prefix="/api/v1", description="Authorities, users and personal tokens.")
audit_denials(bp)


def _user_json(user: User) -> dict[str, Any]:
    return {column: getattr(user, column) for column in s.UserOut().fields}


@bp.route("/me")
class Me(MethodView):
    @bp.response(200, s.MeOut)
    @bp.alt_response(401, response="UNAUTHORIZED")
    def get(self) -> Any:
        """The user the token belongs to, with their authority and roles."""
        actor = current_actor()
        user = admin.get_user(current_node(), actor, actor.id)
        return {**_user_json(user), "authority_name": actor.authority_name}, 200, {"ETag": etag_of(user.version)}


@bp.route("/authorities")
class Authorities(MethodView):
    @bp.response(200, s.AuthorityOut(many=True))
    @bp.alt_response(401, response="UNAUTHORIZED")
    def get(self) -> Any:
        """The authorities of this node (where incoming requests are routed)."""
        return admin.list_authorities(current_node(), current_actor())

    @bp.arguments(s.NewAuthority)
    @bp.response(201, s.AuthorityOut)
    @bp.alt_response(401, response="UNAUTHORIZED")
    @bp.alt_response(403, response="FORBIDDEN")
    @bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def post(self, data: dict[str, Any]) -> Any:
        """Add an authority (node administrators)."""
        return admin.create_authority(current_node(), current_actor(), **data), 201


@bp.route("/users")
class Users(MethodView):
    @bp.arguments(s.UserFilter, location="query", as_kwargs=True)
    @bp.response(200, s.UserOut(many=True))
    @bp.paginate(page_size=50, max_page_size=200)
    @bp.alt_response(401, response="UNAUTHORIZED")
    @bp.alt_response(403, response="FORBIDDEN")
    def get(self, pagination_parameters: Any, **filters: Any) -> Any:
        """Users (administrators, auditors); contact points see the prosecutors, to assign cases."""
        offset, limit = window(pagination_parameters)
        page = admin.list_users(
            current_node(),
            current_actor(),
            offset=offset,
            limit=limit,
            **filters,
        )
        pagination_parameters.item_count = page.total
        return page.users

    @bp.arguments(s.NewUser)
    @bp.response(201, s.UserOut)
    @bp.alt_response(401, response="UNAUTHORIZED")
    @bp.alt_response(403, response="FORBIDDEN")
    @bp.alt_response(409, response="CONFLICT")
    @bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def post(self, data: dict[str, Any]) -> Any:
        """Add a user (node administrators). Without a password the user signs in through OIDC."""
        user = admin.create_user(current_node(), current_actor(), **data)
        return _user_json(user), 201, {"ETag": etag_of(user.version)}


@bp.route("/users/<string:user_id>")
class UserDetail(MethodView):
    @bp.response(200, s.UserOut)
    @bp.alt_response(401, response="UNAUTHORIZED")
    @bp.alt_response(403, response="FORBIDDEN")
    def get(self, user_id: str) -> Any:
        user = admin.get_user(current_node(), current_actor(), user_id)
        return _user_json(user), 200, {"ETag": etag_of(user.version)}

    @bp.arguments(s.UserUpdate)
    @bp.response(200, s.UserOut)
    @bp.alt_response(401, response="UNAUTHORIZED")
    @bp.alt_response(403, response="FORBIDDEN")
    @bp.alt_response(412, response="PRECONDITION_FAILED")
    @bp.alt_response(428, response="PRECONDITION_REQUIRED")
    def patch(self, data: dict[str, Any], user_id: str) -> Any:
        """Change roles, authority or whether the account works (administrators); name and language (oneself)."""
        user = admin.update_user(
            current_node(), current_actor(), user_id, expected_version=expected_version(required=True), **data
        )
        return _user_json(user), 200, {"ETag": etag_of(user.version)}


@bp.route("/tokens")
class Tokens(MethodView):
    @bp.response(200, s.TokenOut(many=True))
    @bp.alt_response(401, response="UNAUTHORIZED")
    def get(self) -> Any:
        """Your own API tokens (never their secrets: those are shown once, when created)."""
        return admin.list_tokens(current_node(), current_actor())


@bp.route("/tokens/<string:token_id>")
class TokenDetail(MethodView):
    @bp.response(204)
    @bp.alt_response(401, response="UNAUTHORIZED")
    @bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def delete(self, token_id: str) -> Any:
        """Revoke one of your tokens (administrators may revoke anyone's)."""
        auth.revoke_token(current_node(), current_actor(), token_id)
        return Response(status=204)
