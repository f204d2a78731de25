"""The running node: settings, database, clock, keys, job queue and directory, built once per process.

Services take a `Node` as their first argument instead of reaching for globals, so the web
process, the rq worker, the CLI and the tests all run the same code with the same rules.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy.orm import Session

from exchange import jobs
from exchange.clock import Clock, SystemClock
from exchange.config import Settings
from exchange.db import Database
from exchange.directory.services import DirectoryStore
from exchange.federation.transport import Transport
from exchange.identity import NodeIdentity, load_identity

log = logging.getLogger(__name__)

EXTENSION = "exchange.node"


@dataclass
class Node:
    settings: Settings
    db: Database
    clock: Clock
    directory: DirectoryStore
    queue: jobs.JobQueue = field(repr=False)
    load_identity: Callable[[], NodeIdentity] = field(repr=False, default=lambda: _no_identity())
    _identity: NodeIdentity | None = field(default=None, init=False, repr=False)
    _identity_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def id(self) -> str:
        return self.settings.node_id

    @property
    def identity(self) -> NodeIdentity:
        """The private keys, decrypted on first use: commands that only read never need them."""
        with self._identity_lock:
            if self._identity is None:
                self._identity = self.load_identity()
            return self._identity

    @cached_property
    def transport(self) -> Transport:
        settings = self.settings
        return Transport(
            lambda: self.identity,
            self.clock,
            timeout=settings.http_timeout,
            connect_timeout=settings.connect_timeout,
            ca_bundle=settings.ca_bundle,
            deadline=settings.request_deadline,
            directory_version=self.directory.version,
        )

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A committed-or-rolled-back unit of work; jobs registered with `later` run after commit."""
        with self.db.sessions() as session:
            with session.begin():
                yield session
            pending = jobs.take_pending(session)
        for job, args, once in pending:
            if once is None:
                self.queue.enqueue(job, *args)
            else:
                self.queue.enqueue_once(once, job, *args)

    def own_url(self) -> str:
        """Our endpoint as peers address it: the public URL, else our directory entry."""
        if self.settings.public_url:
            return self.settings.public_url.rstrip("/")
        return self.directory.current().node(self.id).endpoint

    def own_authority(self) -> str:
        """`host[:port]` as RFC 9421 `@authority` spells it for our endpoint."""
        parts = urlsplit(self.own_url())
        host = (parts.hostname or "").lower()
        default = {"http": 80, "https": 443}.get(parts.scheme)
        return host if parts.port in (None, default) else f"{host}:{parts.port}"


def build_node(
    settings: Settings,
    *,
    clock: Clock | None = None,
    queue_factory: Callable[[Node], jobs.JobQueue] | None = None,
) -> Node:
    """Assemble a node; the queue is rq when Redis is configured unless a factory says otherwise."""
    clock = clock or SystemClock()
    db = Database(settings.database_url)
    directory = DirectoryStore(db, clock)
    node = Node(settings, db, clock, directory, queue=_NoQueue(), load_identity=lambda: load_identity(settings))
    if queue_factory is not None:
        node.queue = queue_factory(node)
    elif settings.redis_url:
        node.queue = jobs.RqQueue(settings.redis_url, settings.queue_name)
    return node


def _no_identity() -> NodeIdentity:
    raise RuntimeError("this node was built without keys")


class _NoQueue:
    """Placeholder until the embedded dispatcher is attached; refuses loudly if used too early."""

    def enqueue(self, job: str, *args: Any) -> None:
        raise RuntimeError(f"no job queue attached to this node (job {job})")

    def enqueue_once(self, key: str, job: str, *args: Any) -> None:
        self.enqueue(job, *args)

    def release(self, key: str) -> None:
        """Nothing is ever queued here."""


def current_node() -> Node:
    """The node of the current Flask app (views and jobs run inside an app context)."""
    node: Node = current_app.extensions[EXTENSION]
    return node
