"""A browsable page of the API, drawn from its own OpenAPI document (no scripts, no CDN).

Prosecutors' networks are often closed; a documentation page that loads a JavaScript bundle from
the internet would not load there, and would widen what the Content-Security-Policy allows.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template

bp = Blueprint("api_docs", __name__, template_folder="templates")

METHODS = ("get", "post", "put", "patch", "delete")


def _operations(spec: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Operations grouped by tag, in the order the spec lists them."""
    groups: dict[str, list[dict[str, Any]]] = {tag["name"]: [] for tag in spec.get("tags", [])}
    for path, item in spec.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            groups.setdefault((operation.get("tags") or ["other"])[0], []).append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": [*shared, *operation.get("parameters", [])],
                    "body": body.get("$ref", "").rsplit("/", 1)[-1],
                    "responses": sorted(operation.get("responses", {}).items()),
                }
            )
    return groups


@bp.route("/api/v1/")
def index() -> str:
    api = current_app.extensions["exchange.api"]
    spec = api.spec.to_dict()
    return render_template(
        "api_docs.html",
        info=spec.get("info", {}),
        groups=_operations(spec),
        schemas=spec.get("components", {}).get("schemas", {}),
    )
