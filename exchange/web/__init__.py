"""Server-rendered pages for prosecutors, contact points and auditors."""

from __future__ import annotations

from typing import Any

from flask import Flask

from exchange.node import Node


def register(app: Flask, node: Node) -> None:
    from exchange.web import (  # noqa: F401
        oidc,
        throttle,
        views_auth,
        views_cases,
        views_drafts,
        views_more,
        views_translations,
    )
    from exchange.web.core import bp

    # Flask's own (signed) cookie carries only the identity provider's round trip (state, nonce,
    # PKCE verifier) and one-time notices; sessions themselves are server-side.
    app.secret_key = node.identity.storage_key.derive("flask-cookie") if node.identity.storage_keys else None
    app.config.update(
        SESSION_COOKIE_NAME="mlx_flow",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=_served_over_https(node),
    )
    app.jinja_env.filters["dict_without"] = _dict_without
    throttle.install(app, node)
    oauth = oidc.configure(app, node)
    if oauth is not None:
        app.extensions["exchange.oidc"] = oauth
    app.register_blueprint(bp)


def _dict_without(values: dict[str, Any], *names: str) -> dict[str, Any]:
    return {key: value for key, value in values.items() if key not in names}


def _served_over_https(node: Node) -> bool:
    if node.settings.public_url:
        return node.settings.public_url.startswith("https://")
    directory = node.directory.current_or_none()
    return directory is not None and directory.has_node(node.id) and node.own_url().startswith("https://")
