"""The schema comes only from Alembic: `upgrade head` builds it, and models may not drift from it."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, inspect

from exchange.migrate import alembic_config
from exchange.models import Base


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'schema.db'}"
    return request.getfixturevalue("make_database")("schema")


def test_upgrade_head_builds_the_schema_and_models_match(database_url):
    config = alembic_config(database_url)
    command.upgrade(config, "head")
    command.check(config)  # raises when models and migrations drift
    engine = create_engine(database_url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {"outbox", "inbox", "peers", "seen_nonces", "directory_versions", "directory_events"} <= tables


def test_the_drift_check_can_fail(database_url):
    """A model change without a migration must be caught: add a column the migrations never made."""
    command.upgrade(alembic_config(database_url), "head")
    drifted = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(drifted)
    Table("outbox", drifted, Column("new_field", String(10)), extend_existing=True)
    Table("new_table", drifted, Column("id", Integer, primary_key=True))
    engine = create_engine(database_url)
    with engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), drifted)
    engine.dispose()
    assert any(diff[0] == "add_column" and diff[3].name == "new_field" for diff in diffs if isinstance(diff, tuple))
    assert any(diff[0] == "add_table" for diff in diffs if isinstance(diff, tuple))


def test_downgrade_removes_everything_and_upgrade_restores_it(database_url):
    config = alembic_config(database_url)
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    engine = create_engine(database_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    command.upgrade(config, "head")
    command.check(config)
    engine.dispose()
