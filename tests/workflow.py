"""Several nodes in the test process, talking real HTTP on loopback, under one clock the test holds.

Each node has its own keys, its own database (SQLite file or a fresh PostgreSQL database) and its
own Flask app served by a threaded WSGI server on a free loopback port; envelopes, signatures,
receipts and the inbox are the real ones. Delivery runs on the in-process dispatcher, and
`settle()` waits until every node has nothing left to send. The clock is shared so a test can
move time (deadlines, reminders, expiry) and every node sees the same moment.

Tests that need node *processes* (crashes, restarts, Redis workers) use the `cluster` fixture.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from crypto import SigningKey
from crypto.keyfile import MINIMUM_COST
from exchange import create_app, migrate
from exchange.auth import services as auth
from exchange.auth.policy import Actor
from exchange.clock import ManualClock
from exchange.config import Settings
from exchange.demo import people
from exchange.demo.localnet import free_port
from exchange.federation.delivery import ENVELOPES_PATH
from exchange.federation.sweeper import sweep
from exchange.node import Node
from exchange.setup import init_node_home
from protocols.v1 import directory as d
from tests.factories import T0


@dataclass
class Member:
    """One node of the federation, with the people `exchange.demo.people` gives its country."""

    id: str
    app: Flask
    node: Node
    server: BaseWSGIServer
    thread: threading.Thread
    staff: people.Staff | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def token(self, username: str) -> str:
        """A fresh personal API token of `username`."""
        assert self.staff is not None
        return auth.create_token(self.node, self.staff.user(username).id, "tests").secret

    def actor(self, username: str) -> Actor:
        assert self.staff is not None
        return auth.actor_of(self.node, self.staff.user(username))

    def stop_serving(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)

    def start_serving(self) -> None:
        port = self.server.server_port
        self.server = make_server("127.0.0.1", port, self.app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()


@dataclass
class Federation:
    members: dict[str, Member]
    clock: ManualClock
    governance: list[SigningKey] = field(default_factory=list)

    def __getitem__(self, node_id: str) -> Member:
        return self.members[node_id]

    def settle(self) -> None:
        """Let every node deliver what it queued, including what those deliveries cause."""
        for _ in range(2):
            for member in self.members.values():
                assert member.node.queue.drain(), f"{member.id} still has jobs running"  # type: ignore[attr-defined]

    def post(self, sender: str, recipient: str, raw_envelope: bytes) -> Any:
        """Post an envelope's bytes again, signed by `sender` as its own deliveries are."""
        node = self.members[sender].node
        peer = node.directory.current().node(recipient)
        return node.transport.post(peer, ENVELOPES_PATH, raw_envelope)

    def sweep_all(self) -> None:
        for member in self.members.values():
            with member.app.app_context():
                sweep(member.node)
        self.settle()

    def advance(self, delta: timedelta) -> None:
        self.clock.advance(delta)

    def close(self) -> None:
        for member in self.members.values():
            member.server.shutdown()
            member.node.queue.shutdown()  # type: ignore[attr-defined]
            member.node.db.engine.dispose()


def build(
    root: Path,
    ids: Iterable[str] = ("BA", "RS"),
    *,
    database: Callable[[str], str] | None = None,
    seed_people: bool = True,
    settings: dict[str, str] | None = None,
    password: str | None = None,
) -> Federation:
    """A federation of in-process nodes; `database(node_id)` gives a database URL (default SQLite)."""
    clock = ManualClock(T0)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request drowns a failure
    ids = list(ids)
    ports = {node_id: free_port() for node_id in ids}
    homes = {
        node_id: init_node_home(
            root / node_id,
            node_id=node_id,
            endpoint=f"http://127.0.0.1:{ports[node_id]}",
            passphrase="pw",
            now=T0 - timedelta(days=1),
            cost=MINIMUM_COST,
        )
        for node_id in ids
    }
    governance = [SigningKey.generate()]
    document = d.unsigned_document(
        federation="workflow-tests",
        version=1,
        issued=T0 - timedelta(hours=1),
        expires=T0 + timedelta(days=3650),
        governance=d.Governance(1, (d.GovernanceKey(governance[0].kid, governance[0].public, "tests"),)),
        nodes=[homes[node_id].entry for node_id in ids],
    )
    anchor = d.add_signatures(document, governance)
    members = {}
    for node_id in ids:
        values = {
            "EXCHANGE_HOME": str(root / node_id),
            "EXCHANGE_KEY_PASSPHRASE": "pw",
            "EXCHANGE_LOG_LEVEL": "WARNING",
            **(settings or {}),
        }
        if database is not None:
            values["EXCHANGE_DATABASE_URL"] = database(node_id)
        app = create_app(Settings.from_env(values), clock=clock)
        node: Node = app.extensions["exchange.node"]
        migrate.upgrade(node.db.engine)
        node.directory.install_anchor(anchor)
        server = make_server("127.0.0.1", ports[node_id], app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        member = Member(node_id, app, node, server, thread)
        if seed_people and node_id in people.COUNTRIES:
            member.staff = people.seed(node, node_id, password=password)
        members[node_id] = member
    return Federation(members, clock, governance)


def body_with(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**base, **changes}
