"""Shared fixtures: fresh PostgreSQL databases, this run's Redis database, real node clusters.

`make test` points EXCHANGE_TEST_DATABASE_URL and EXCHANGE_TEST_REDIS_URL at this machine's
services. Each test that needs PostgreSQL gets databases of its own, created here and dropped
afterwards; Redis tests use one database number reserved for tests and flush only that one.
"""

from __future__ import annotations

import itertools
import os
import socket
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from urllib.parse import urlsplit

import pytest

PG_ADMIN = os.environ.get("EXCHANGE_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("EXCHANGE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
_RUN = f"mlax_t{os.getpid()}"
_counter = itertools.count()


def _reachable(url: str, port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or port), timeout=2):
            return True
    except OSError:
        return False


def sqlalchemy_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url


@pytest.fixture(scope="session")
def postgres_admin() -> str:
    if not _reachable(PG_ADMIN, 5432):
        pytest.skip(f"PostgreSQL is not reachable at {PG_ADMIN} (make test sets EXCHANGE_TEST_DATABASE_URL)")
    return PG_ADMIN


@pytest.fixture(scope="session")
def make_database(postgres_admin: str) -> Iterator[Callable[[str], str]]:
    """Create a fresh, empty database; returns its SQLAlchemy URL. All are dropped at the end."""
    import psycopg

    created: list[str] = []

    def make(label: str = "db") -> str:
        name = f"{_RUN}_{next(_counter)}_{label.lower()}"
        with psycopg.connect(postgres_admin, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        base = postgres_admin.rsplit("/", 1)[0]
        return sqlalchemy_url(f"{base}/{name}")

    yield make
    from tests.integration.helpers import dispose_engines

    dispose_engines()
    with psycopg.connect(postgres_admin, autocommit=True) as connection:
        for name in created:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    if not _reachable(REDIS_URL, 6379):
        pytest.skip(f"Redis is not reachable at {REDIS_URL} (make test sets EXCHANGE_TEST_REDIS_URL)")
    from redis import Redis

    connection = Redis.from_url(REDIS_URL)
    connection.flushdb()  # only the database number reserved for tests
    yield REDIS_URL
    connection.flushdb()
    connection.close()


def _cluster_factory(root: Path, request: pytest.FixtureRequest, federations: list[object]) -> Callable[..., object]:
    from crypto.keyfile import MINIMUM_COST
    from exchange.clock import SystemClock
    from exchange.demo.localnet import NodeSpec, build_federation, free_port

    def make(
        ids: Sequence[str] = ("BA", "RS"),
        *,
        mode: str = "production",
        settings: Mapping[str, str] | None = None,
        per_node: Mapping[str, Mapping[str, str]] | None = None,
        extra_entries: Sequence[object] = (),
        start: bool = True,
    ) -> object:
        specs = []
        for node_id in ids:
            values = {"EXCHANGE_SWEEP_INTERVAL": "0.5", "EXCHANGE_PROBE_INTERVAL": "1", "EXCHANGE_LOG_LEVEL": "INFO"}
            if mode == "production":
                values["EXCHANGE_DATABASE_URL"] = request.getfixturevalue("make_database")(node_id)
                values["EXCHANGE_REDIS_URL"] = request.getfixturevalue("redis_url")
                values["EXCHANGE_QUEUE_NAME"] = f"{_RUN}-{next(_counter)}-{node_id}"
                values["EXCHANGE_WEB_WORKERS"] = "2"
            values.update(settings or {})
            values.update((per_node or {}).get(node_id, {}))
            specs.append(NodeSpec(node_id, f"Test node {node_id}", ("en",), free_port(), values))
        federation = build_federation(
            root / f"federation{len(federations)}",
            specs,
            name="test-federation",
            now=SystemClock().now(),
            cost=MINIMUM_COST,
            extra_entries=list(extra_entries),  # type: ignore[arg-type]
        )
        federations.append(federation)
        if start:
            for node in federation.nodes.values():
                node.start()
        return federation

    return make


@pytest.fixture
def cluster(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[..., object]]:
    """Build a federation of real node processes; `mode` is "production" (PostgreSQL + Redis) or "embedded"."""
    federations: list[object] = []
    yield _cluster_factory(tmp_path, request, federations)
    for federation in federations:
        federation.stop_all(kill=True)  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def module_cluster(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Callable[..., object]]:
    """Like `cluster`, shared by the tests of one module (for tables of cases against one node)."""
    federations: list[object] = []
    yield _cluster_factory(tmp_path_factory.mktemp("cluster"), request, federations)
    for federation in federations:
        federation.stop_all(kill=True)  # type: ignore[attr-defined]
