"""The REST API at /api/v1 (flask-smorest), its OpenAPI document and its browsable page."""

from __future__ import annotations

from flask import Flask

from exchange.api.core import init_api


def register(app: Flask) -> None:
    from exchange.api import audit, cases, docs, people, reference

    api = init_api(app)
    for blueprint in (cases.bp, people.bp, audit.bp, reference.bp):
        api.register_blueprint(blueprint)
    app.register_blueprint(docs.bp)
    app.extensions["exchange.api"] = api
