"""Records at rest: sealed to their own identity, tamper-evident, readable after a key rotation."""

from __future__ import annotations

import pytest

from crypto.errors import DecryptionError, InvalidKeyError
from crypto.keyfile import MINIMUM_COST, decrypt_private_key, encrypt_private_key
from crypto.storage import StorageKey

RECORD = b"6f1c2a9e-1111-4000-8000-000000000001"


def test_a_sealed_record_opens_only_as_itself():
    key = StorageKey.generate()
    sealed = key.seal("Žrtva: Ана Петровић".encode(), RECORD)
    assert key.open(sealed, RECORD) == "Žrtva: Ана Петровић".encode()
    assert "Петровић".encode() not in sealed
    with pytest.raises(DecryptionError):
        key.open(sealed, b"6f1c2a9e-1111-4000-8000-000000000002")  # moved to another record


def test_tampering_and_the_wrong_key_are_detected():
    key = StorageKey.generate()
    sealed = bytearray(key.seal(b"content", RECORD))
    sealed[-1] ^= 1
    with pytest.raises(DecryptionError):
        key.open(bytes(sealed), RECORD)
    with pytest.raises(DecryptionError):
        StorageKey.generate().open(key.seal(b"content", RECORD), RECORD)
    with pytest.raises(DecryptionError, match="not a sealed record"):
        key.open(b"\x02" + bytes(40), RECORD)


def test_every_seal_uses_a_fresh_nonce():
    key = StorageKey.generate()
    assert key.seal(b"same", RECORD) != key.seal(b"same", RECORD)


def test_the_key_id_names_the_key_and_the_secret_never_shows():
    key = StorageKey(bytes(range(32)))
    assert key.kid == StorageKey(bytes(range(32))).kid
    assert key.kid.startswith("storage:")
    assert key.kid != StorageKey.generate().kid
    assert bytes(range(32)).hex() not in repr(key)
    with pytest.raises(InvalidKeyError):
        StorageKey(b"short")


def test_a_storage_key_file_round_trips_under_its_passphrase():
    key = StorageKey.generate()
    again = decrypt_private_key(encrypt_private_key(key, "pw", MINIMUM_COST), "pw")
    assert isinstance(again, StorageKey)
    assert again == key
