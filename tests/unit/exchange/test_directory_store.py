"""The node's directory store on both databases: adoption is checked against the newest version
under a lock, and versions use the protocol's whole range."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crypto import SigningKey
from exchange import migrate
from exchange.clock import ManualClock
from exchange.db import Database
from exchange.directory.services import DirectoryStore
from protocols.errors import DirectoryError, Reason
from protocols.v1 import directory as d
from tests.factories import T0, federation


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return request.getfixturevalue("make_database")("store")


@pytest.fixture
def stores(database_url):
    """Two stores on one database: two processes of the same node (web and worker, say)."""
    databases = [Database(database_url), Database(database_url)]
    migrate.upgrade(databases[0].engine)
    clock = ManualClock(T0)
    yield [DirectoryStore(db, clock, recheck_seconds=3600) for db in databases]
    for db in databases:
        db.dispose()


def test_a_stale_process_cannot_adopt_what_a_rotation_made_untrustworthy(stores):
    first, second = stores
    fed = federation("BA", "RS")
    first.install_anchor(fed.signed(version=1))
    assert second.current().version == 1  # the second process now caches v1 for an hour
    # Governance rotates: v2 names new keys, signed by old and new.
    new_keys = [SigningKey.generate() for _ in range(3)]
    rotated = d.add_signatures(
        fed.document(version=2, governance=fed.governance(new_keys)), fed.governance_keys[:2] + new_keys[:2]
    )
    first.offer(rotated, source="operator")
    # v3 signed only by the rotated-out keys (say they leaked) is offered to the stale process.
    evil = fed.signed(version=3)
    with pytest.raises(DirectoryError) as caught:
        second.offer(evil, source="peer:XX")
    assert caught.value.reason == Reason.DIRECTORY_UNDER_THRESHOLD
    assert first.current(fresh=True).version == 2


def test_versions_beyond_32_bits(stores):
    store = stores[0]
    fed = federation("BA", "RS")
    store.install_anchor(fed.signed(version=1))
    big = 2**53 - 1
    adopted = store.offer(fed.signed(version=big, issued=T0 - timedelta(hours=1)), source="operator")
    assert adopted.version == big
    assert store.current(fresh=True).version == big
    assert store.events()[0].version == big
