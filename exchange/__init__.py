"""The mla-exchange node: a Flask service with the federation API, outbox delivery and the CLI."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, Response, json

from exchange.clock import Clock
from exchange.config import Settings
from exchange.errors import register_error_handlers
from exchange.jobs import InProcessQueue
from exchange.node import EXTENSION, Node, build_node
from protocols.timefmt import format_time

__all__ = ["create_app"]

LOG_FORMAT = "%(asctime)s %(levelname)s [%(node)s] %(name)s: %(message)s"


class _NodeFilter(logging.Filter):
    def __init__(self, node_id: str) -> None:
        super().__init__()
        self.node_id = node_id

    def filter(self, record: logging.LogRecord) -> bool:
        record.node = self.node_id
        return True


def configure_logging(settings: Settings) -> None:
    """One line per event, tagged with the node id. Messages never carry content, keys or tokens."""
    root = logging.getLogger()
    if not any(getattr(h, "_exchange", False) for h in root.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        handler.addFilter(_NodeFilter(settings.node_id))
        handler._exchange = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    for noisy in ("urllib3", "rq.worker", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def app_runner(app: Flask) -> Callable[[Callable[[], object]], None]:
    """Run a callable inside `app`'s context: how jobs and the sweeper see `current_node()`."""

    def run(function: Callable[[], object]) -> None:
        with app.app_context():
            function()

    return run


def create_app(
    settings: Settings | None = None,
    *,
    node: Node | None = None,
    clock: Clock | None = None,
    background: bool = False,
) -> Flask:
    """Build the Flask app of one node. `background` starts the embedded sweeper and heartbeat."""
    settings = settings or (node.settings if node is not None else Settings.from_env())
    configure_logging(settings)
    app = Flask("exchange")
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    if settings.trusted_proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Only headers set by our own proxies: believing a client's X-Forwarded-For would let it
        # pick the address its sign-in attempts are counted under.
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]
    if node is None:
        runner = app_runner(app)
        node = build_node(
            settings,
            clock=clock,
            queue_factory=None
            if settings.redis_url
            else lambda _n: InProcessQueue(runner, settings.dispatcher_threads),
        )
    app.extensions[EXTENSION] = node
    # A node process must fail at start-up, not on its first request, when its keys cannot be read.
    _ = node.identity

    from exchange import api, web
    from exchange.directory.routes import bp as directory_health
    from exchange.federation.routes import bp as federation
    from exchange.requests import handlers

    # The case workflow hears about arrivals, receipts and failures in their own transactions.
    handlers.register()

    app.register_blueprint(federation)
    app.register_blueprint(directory_health)
    register_error_handlers(app)
    api.register(app)
    web.register(app, node)

    if background:
        from exchange.federation.sweeper import Background

        worker = Background(node, app_runner(app))
        worker.start()
        app.extensions["exchange.background"] = worker
    return app


def health_response(node: Node) -> Response:
    """200 while the node can work. An expired directory is reported, not fatal (ADR 5)."""
    directory = node.directory.current_or_none()
    if directory is None:
        missing = {"status": "no directory", "node": node.id, "directory_version": None}
        return Response(json.dumps(missing), status=503, mimetype="application/json")
    expired = directory.is_expired(node.clock.now())
    document: dict[str, object] = {
        "status": "directory expired" if expired else "ok",
        "node": node.id,
        "directory_version": directory.version,
        "directory_expires": format_time(directory.expires),
    }
    return Response(json.dumps(document), status=200, mimetype="application/json")
