"""Helpers for tests that talk to real node processes: their databases, their in-process services."""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import Flask
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import Engine

from exchange import create_app
from exchange.config import Settings
from exchange.demo.localnet import LocalNode
from exchange.federation.models import InboundEnvelope, OutboundEnvelope
from exchange.node import Node

_engines: dict[str, Engine] = {}


def engine(node: LocalNode) -> Engine:
    """A read connection to the node's own database (PostgreSQL, or the embedded SQLite file)."""
    url = node.spec.settings.get("EXCHANGE_DATABASE_URL") or f"sqlite:///{node.home / 'exchange.db'}"
    if url not in _engines:
        _engines[url] = create_engine(url)
    return _engines[url]


def dispose_engines() -> None:
    """Close our connections, so the databases can be dropped."""
    for item in _engines.values():
        item.dispose()
    _engines.clear()


def inbox_ids(node: LocalNode) -> list[str]:
    with engine(node).connect() as connection:
        return list(connection.scalars(select(InboundEnvelope.message_id)))


def inbox_count(node: LocalNode) -> int:
    with engine(node).connect() as connection:
        return connection.scalar(select(func.count()).select_from(InboundEnvelope)) or 0


def outbox_states(node: LocalNode) -> dict[str, str]:
    with engine(node).connect() as connection:
        return dict(connection.execute(select(OutboundEnvelope.id, OutboundEnvelope.state)).all())  # type: ignore[arg-type]


def count(node: LocalNode, table: str) -> int:
    with engine(node).connect() as connection:
        return connection.scalar(text(f"SELECT count(*) FROM {table}")) or 0  # noqa: S608 - table names are ours


def service(node: LocalNode, **overrides: str) -> tuple[Flask, Node]:
    """The node's services in the test process (same keys and database as its processes)."""
    settings = Settings.from_env({**node.env(), "EXCHANGE_LOG_LEVEL": "WARNING", **overrides})
    app = create_app(settings)
    return app, app.extensions["exchange.node"]


def wait_for(condition: Callable[[], bool], timeout: float, interval: float = 0.2) -> float:
    """Seconds until `condition()` holds; raises AssertionError on timeout."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")
