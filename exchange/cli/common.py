"""Shared helpers for the commands: settings, the node, passphrases, readable output."""

from __future__ import annotations

import os
from datetime import datetime

import click
from flask import Flask

from exchange.config import Settings, SettingsError
from exchange.errors import ExchangeError
from exchange.node import Node, build_node


def settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc


def node(*, with_queue: bool = False) -> Node:
    """The node of --home, for commands that act on its database (no background threads)."""
    from exchange import migrate

    current = settings()
    try:
        built = build_node(current)
    except ExchangeError as exc:
        raise click.ClickException(str(exc)) from exc
    if current.embedded:
        migrate.upgrade(built.db.engine)
    return built


def passphrase(confirm: bool = False) -> str:
    """The key passphrase: $EXCHANGE_KEY_PASSPHRASE, its _FILE, or a prompt (never echoed)."""
    value = os.environ.get("EXCHANGE_KEY_PASSPHRASE")
    if not value and os.environ.get("EXCHANGE_KEY_PASSPHRASE_FILE"):
        with open(os.environ["EXCHANGE_KEY_PASSPHRASE_FILE"], encoding="utf-8") as handle:
            value = handle.read().rstrip("\n")
    if not value:
        value = click.prompt("Key passphrase", hide_input=True, confirmation_prompt=confirm)
    if not value:
        raise click.ClickException("a passphrase is required")
    return value


def when(moment: datetime | None) -> str:
    return "-" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def app_node() -> tuple[Flask, Node]:
    """An app for commands that run jobs (embedded: in this process, drained before exit)."""
    from exchange import create_app, migrate

    current = settings()
    try:
        app = create_app(current)
    except ExchangeError as exc:
        raise click.ClickException(str(exc)) from exc
    built: Node = app.extensions["exchange.node"]
    if current.embedded:
        migrate.upgrade(built.db.engine)
    return app, built
