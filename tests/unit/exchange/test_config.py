"""Typed settings from EXCHANGE_* variables and the node's exchange.env."""

from __future__ import annotations

from datetime import timedelta

import pytest

from exchange.config import Settings, SettingsError


def test_environment_wins_over_the_env_file(tmp_path):
    (tmp_path / "exchange.env").write_text("# a comment\nEXCHANGE_NODE_ID=BA\nEXCHANGE_BIND=127.0.0.1:9000\n\n")
    settings = Settings.from_env({"EXCHANGE_HOME": str(tmp_path), "EXCHANGE_BIND": "0.0.0.0:8000"})
    assert settings.node_id == "BA"
    assert settings.bind == "0.0.0.0:8000"
    assert settings.database_url == f"sqlite:///{tmp_path / 'exchange.db'}"
    assert settings.embedded


def test_types_are_converted(tmp_path):
    settings = Settings.from_env(
        {
            "EXCHANGE_HOME": str(tmp_path),
            "EXCHANGE_NODE_ID": "RS",
            "EXCHANGE_MAX_BATCH": "20",
            "EXCHANGE_GIVE_UP_AFTER": "3600",
            "EXCHANGE_SWEEP_INTERVAL": "0.25",
            "EXCHANGE_REDIS_URL": "redis://127.0.0.1:6379/3",
        }
    )
    assert settings.max_batch == 20
    assert settings.give_up_after == timedelta(hours=1)
    assert settings.sweep_interval == 0.25
    assert not settings.embedded


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({}, "EXCHANGE_NODE_ID"),
        ({"EXCHANGE_NODE_ID": "BA", "EXCHANGE_MAX_BATCH": "many"}, "EXCHANGE_MAX_BATCH"),
    ],
)
def test_bad_settings_name_the_variable(tmp_path, environ, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({"EXCHANGE_HOME": str(tmp_path), **environ})


def test_env_file_lines_must_be_settings(tmp_path):
    (tmp_path / "exchange.env").write_text("PATH=/tmp\n")
    with pytest.raises(SettingsError, match=r"exchange\.env:1"):
        Settings.from_env({"EXCHANGE_HOME": str(tmp_path), "EXCHANGE_NODE_ID": "BA"})


def test_secrets_stay_out_of_repr(tmp_path):
    settings = Settings.from_env(
        {"EXCHANGE_HOME": str(tmp_path), "EXCHANGE_NODE_ID": "BA", "EXCHANGE_KEY_PASSPHRASE": "hunter2-very-secret"}
    )
    assert "hunter2" not in repr(settings)


def test_passphrase_file_is_read_only_when_keys_are_needed(tmp_path):
    environ = {
        "EXCHANGE_HOME": str(tmp_path),
        "EXCHANGE_NODE_ID": "BA",
        "EXCHANGE_KEY_PASSPHRASE_FILE": str(tmp_path / "pass"),
    }
    settings = Settings.from_env(environ)  # a monitoring account may not be able to read it
    with pytest.raises(SettingsError, match="EXCHANGE_KEY_PASSPHRASE_FILE"):
        settings.passphrase()
    (tmp_path / "pass").write_text("from a file\n")
    assert settings.passphrase() == "from a file"


def test_a_node_process_with_a_wrong_passphrase_fails_at_start(tmp_path):
    from crypto.keyfile import MINIMUM_COST
    from exchange import create_app
    from exchange.errors import ConfigurationError
    from exchange.setup import init_node_home
    from tests.factories import T0

    init_node_home(tmp_path, node_id="BA", endpoint="http://127.0.0.1:9", passphrase="right", now=T0, cost=MINIMUM_COST)
    settings = Settings.from_env({"EXCHANGE_HOME": str(tmp_path), "EXCHANGE_KEY_PASSPHRASE": "wrong"})
    with pytest.raises(ConfigurationError, match="wrong passphrase"):
        create_app(settings)


def test_plain_http_on_a_public_address_warns(tmp_path):
    with pytest.warns(UserWarning, match="TLS"):
        Settings.from_env(
            {"EXCHANGE_HOME": str(tmp_path), "EXCHANGE_NODE_ID": "BA", "EXCHANGE_PUBLIC_URL": "http://mla.example.ba"}
        )


def test_misspelled_settings_are_named(tmp_path):
    with pytest.warns(UserWarning, match="EXCHANGE_GIVE_UP_AFTR"):
        Settings.from_env({"EXCHANGE_HOME": str(tmp_path), "EXCHANGE_NODE_ID": "BA", "EXCHANGE_GIVE_UP_AFTR": "5"})


def test_urls_that_may_hold_passwords_stay_out_of_repr(tmp_path):
    settings = Settings.from_env(
        {
            "EXCHANGE_HOME": str(tmp_path),
            "EXCHANGE_NODE_ID": "BA",
            "EXCHANGE_DATABASE_URL": "postgresql+psycopg://exchange:s3cret@db/exchange",
        }
    )
    assert "s3cret" not in repr(settings)


@pytest.mark.parametrize(
    ("endpoint", "bind"),
    [
        ("http://127.0.0.1:8701", "127.0.0.1:8701"),
        ("https://mla.pravosudje.ba", "127.0.0.1:8000"),
        ("https://mla.pravosudje.ba:8443", "127.0.0.1:8000"),
    ],
)
def test_init_binds_to_loopback_behind_a_public_endpoint(endpoint, bind):
    from exchange.setup import default_bind

    assert default_bind(endpoint) == bind


def test_commands_that_only_read_need_no_passphrase(tmp_path):
    """Monitoring (outbox status, directory show) must not need the key passphrase."""
    from crypto.keyfile import MINIMUM_COST
    from exchange.errors import ConfigurationError
    from exchange.node import build_node
    from exchange.setup import init_node_home
    from tests.factories import T0

    init_node_home(tmp_path, node_id="BA", endpoint="http://127.0.0.1:9", passphrase="pw", now=T0, cost=MINIMUM_COST)
    node = build_node(Settings.from_env({"EXCHANGE_HOME": str(tmp_path)}))
    from exchange import migrate

    migrate.upgrade(node.db.engine)
    assert node.directory.current_or_none() is None
    with pytest.raises(ConfigurationError, match="PASSPHRASE"):
        _ = node.identity
