"""Signing in through the national identity provider (OpenID Connect, authorization code + PKCE).

Authlib does the protocol: discovery, state, nonce, PKCE, the token exchange and the ID token's
signature, issuer, audience, expiry and nonce checks. We decide who the person is here: the
provider's (issuer, subject) pair, linked to one of this node's users. A first sign-in links by
a verified e-mail address to a user the administrator created without a password; anyone else
is refused, because a working national ID does not make someone a prosecutor of this node.
"""

from __future__ import annotations

from typing import Any

from authlib.integrations.flask_client import OAuth
from flask import Flask
from sqlalchemy import select

from exchange.audit import services as audit
from exchange.auth.models import User
from exchange.auth.policy import Actor
from exchange.errors import ExchangeError
from exchange.node import Node

CLIENT = "national"


class NotEnrolled(ExchangeError):
    status = 403
    code = "not_enrolled"


def configure(app: Flask, node: Node) -> OAuth | None:
    settings = node.settings
    if not (settings.oidc_issuer and settings.oidc_client_id):
        return None
    oauth = OAuth(app)
    oauth.register(
        CLIENT,
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_secret(),
        server_metadata_url=settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": "openid profile email", "code_challenge_method": "S256", "timeout": 10},
    )
    return oauth


def redirect_uri(node: Node) -> str:
    return node.own_url() + "/login/oidc/callback"


def user_for(node: Node, issuer: str, claims: dict[str, Any]) -> User:
    """The node's user these ID-token claims belong to, linking a first sign-in by verified e-mail."""
    subject = str(claims.get("sub") or "")
    if not subject:
        raise NotEnrolled("the identity provider did not say who you are")
    now = node.clock.now()
    with node.transaction() as session:
        user = session.scalar(select(User).where(User.oidc_issuer == issuer, User.oidc_subject == subject))
        if user is None and claims.get("email") and claims.get("email_verified") is True:
            candidates = list(
                session.scalars(
                    select(User).where(
                        User.email == str(claims["email"]).lower(),
                        User.oidc_subject.is_(None),
                        User.password_hash.is_(None),
                    )
                )
            )
            if len(candidates) == 1:
                user = candidates[0]
                user.oidc_issuer, user.oidc_subject = issuer, subject
                user.version += 1
                audit.record(
                    session, Actor.system("oidc"), "user.oidc_link", at=now, object_type="user", object_id=user.id
                )
        if user is None or not user.active:
            audit.record(session, f"oidc:{subject[:80]}", "login", at=now, outcome="refused")
            raise NotEnrolled("you are not enrolled on this node; ask its administrator to add you")
        user.last_login_at = now
        audit.record(session, user.id, "login", at=now, object_type="user", object_id=user.id, details={"via": "oidc"})
    return user
