"""`exchange serve`: gunicorn running the node's WSGI app, configured from the node's settings.

Embedded mode runs one gunicorn worker with threads, because that worker also hosts the
in-process dispatcher and the sweeper and SQLite wants a single writer process. Production runs
several workers and leaves background work to `exchange worker`.
"""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from exchange.config import Settings


class NodeServer(BaseApplication):  # type: ignore[misc]
    def __init__(self, settings: Settings, *, bind: str, workers: int, threads: int) -> None:
        self._settings = settings
        self._options = {
            "bind": bind,
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            "timeout": 60,
            "graceful_timeout": 20,
            "keepalive": 5,
            "accesslog": None,
            "errorlog": "-",
            "loglevel": settings.log_level.lower(),
            "proc_name": f"exchange-{settings.node_id}",
            "limit_request_line": 8190,
            # Several nodes may run on one host; a shared default control socket would collide.
            "control_socket_disable": True,
        }
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from exchange import create_app

        return create_app(self._settings, background=self._settings.embedded)


def serve(settings: Settings, *, bind: str | None = None, workers: int | None = None, threads: int = 8) -> None:
    bind = bind or settings.bind
    if settings.embedded:
        workers = 1
    NodeServer(settings, bind=bind, workers=workers or 2, threads=threads).run()
