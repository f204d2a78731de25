"""A node's private keys: from passphrase-protected files, or from the environment."""

from __future__ import annotations

import pytest

from crypto import EncryptionKey, SigningKey
from crypto.keyfile import MINIMUM_COST, encrypt_private_key
from crypto.keys import private_key_to_text
from exchange.config import Settings
from exchange.errors import ConfigurationError
from exchange.identity import load_identity
from exchange.setup import init_node_home
from tests.factories import T0


def _settings(tmp_path, **environ):
    return Settings.from_env({"EXCHANGE_HOME": str(tmp_path), "EXCHANGE_NODE_ID": "BA", **environ})


def test_keys_from_files_under_the_passphrase(tmp_path):
    created = init_node_home(
        tmp_path, node_id="BA", endpoint="http://127.0.0.1:9", passphrase="pw", now=T0, cost=MINIMUM_COST
    )
    identity = load_identity(_settings(tmp_path, EXCHANGE_KEY_PASSPHRASE="pw"))
    assert identity.signing_key == created.signing
    assert identity.encryption_keys == {created.encryption.kid: created.encryption}


def test_a_retired_encryption_key_file_still_opens_old_messages(tmp_path):
    created = init_node_home(
        tmp_path, node_id="BA", endpoint="http://127.0.0.1:9", passphrase="pw", now=T0, cost=MINIMUM_COST
    )
    newer = EncryptionKey.generate()
    (tmp_path / "keys" / "encryption-2027.key").write_bytes(encrypt_private_key(newer, "pw", MINIMUM_COST))
    identity = load_identity(_settings(tmp_path, EXCHANGE_KEY_PASSPHRASE="pw"))
    assert set(identity.encryption_keys) == {created.encryption.kid, newer.kid}


def test_keys_from_the_environment(tmp_path):
    signing, old, new = SigningKey.generate(), EncryptionKey.generate(), EncryptionKey.generate()
    identity = load_identity(
        _settings(
            tmp_path,
            EXCHANGE_SIGNING_KEY=private_key_to_text(signing),
            EXCHANGE_ENCRYPTION_KEYS=f"{private_key_to_text(old)},{private_key_to_text(new)}",
        )
    )
    assert identity.signing_key == signing
    assert set(identity.encryption_keys) == {old.kid, new.kid}
    assert private_key_to_text(signing) not in repr(identity)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({}, "signing.key is missing"),
        ({"EXCHANGE_SIGNING_KEY": "x25519:" + "A" * 43}, "ed25519"),
    ],
)
def test_unusable_key_settings_are_refused_with_a_reason(tmp_path, environ, message):
    with pytest.raises(ConfigurationError, match=message):
        load_identity(_settings(tmp_path, **environ))


def test_storage_keys_current_first_and_retired_ones_still_read(tmp_path):
    from crypto.storage import StorageKey

    init_node_home(tmp_path, node_id="BA", endpoint="http://127.0.0.1:9", passphrase="pw", now=T0, cost=MINIMUM_COST)
    retired = StorageKey.generate()
    (tmp_path / "keys" / "storage-2026-01.key").write_bytes(encrypt_private_key(retired, "pw", MINIMUM_COST))
    identity = load_identity(_settings(tmp_path, EXCHANGE_KEY_PASSPHRASE="pw"))
    assert identity.storage_key != retired
    assert identity.storage_key_for(retired.kid) == retired
    with pytest.raises(ConfigurationError, match="not available"):
        identity.storage_key_for(StorageKey.generate().kid)


def test_storage_keys_from_the_environment(tmp_path):
    from crypto.encoding import b64url_encode
    from crypto.storage import StorageKey

    current, retired = StorageKey.generate(), StorageKey.generate()
    signing, encryption = SigningKey.generate(), EncryptionKey.generate()
    identity = load_identity(
        _settings(
            tmp_path,
            EXCHANGE_SIGNING_KEY=private_key_to_text(signing),
            EXCHANGE_ENCRYPTION_KEYS=private_key_to_text(encryption),
            EXCHANGE_STORAGE_KEYS=f"storage:{b64url_encode(current.secret)}, {b64url_encode(retired.secret)}",
        )
    )
    assert identity.storage_keys == (current, retired)
    with pytest.raises(ConfigurationError, match="malformed"):
        load_identity(
            _settings(
                tmp_path,
                EXCHANGE_SIGNING_KEY=private_key_to_text(signing),
                EXCHANGE_ENCRYPTION_KEYS=private_key_to_text(encryption),
                EXCHANGE_STORAGE_KEYS="storage:tooshort",
            )
        )


def test_rotating_the_storage_key_keeps_the_old_one_for_reading(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from exchange.cli import cli

    created = init_node_home(
        tmp_path, node_id="BA", endpoint="http://127.0.0.1:9", passphrase="pw", now=T0, cost=MINIMUM_COST
    )
    before = load_identity(_settings(tmp_path, EXCHANGE_KEY_PASSPHRASE="pw")).storage_key
    monkeypatch.setenv("EXCHANGE_KEY_PASSPHRASE", "pw")
    monkeypatch.setenv("EXCHANGE_HOME", str(tmp_path))  # the command sets it; this restores it afterwards
    result = CliRunner().invoke(cli, ["--home", str(tmp_path), "storage-key", "rotate"])
    assert result.exit_code == 0, result.output
    identity = load_identity(_settings(tmp_path, EXCHANGE_KEY_PASSPHRASE="pw"))
    assert identity.storage_key != before
    assert identity.storage_key_for(before.kid) == before
    assert created.signing == identity.signing_key
