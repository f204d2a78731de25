"""Alembic environment: the URL comes from the caller (exchange.migrate) or EXCHANGE_DATABASE_URL."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine

from exchange.db import UTCDateTime
from exchange.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("EXCHANGE_DATABASE_URL")
    if not url:
        raise RuntimeError("set EXCHANGE_DATABASE_URL or pass a URL to exchange.migrate")
    return url


def run_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(_url())
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _render_item(kind, item, autogen_context):  # type: ignore[no-untyped-def]
    """Write our UTCDateTime as the plain column type, so migrations never import our code."""
    if kind == "type" and isinstance(item, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    # render_as_batch lets the same migrations alter tables on SQLite (copy-and-move).
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
