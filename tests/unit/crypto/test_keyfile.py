"""Private keys at rest: argon2id + secretbox, refusing wrong passphrases, tampering and weak costs."""

from __future__ import annotations

import json

import pytest

from crypto import EncryptionKey, KeyFileError, SigningKey
from crypto.encoding import b64url_decode, b64url_encode
from crypto.keyfile import MINIMUM_COST, KdfCost, decrypt_private_key, encrypt_private_key

FAST = MINIMUM_COST


@pytest.mark.parametrize("key", [SigningKey.generate(), EncryptionKey.generate()], ids=["ed25519", "x25519"])
def test_round_trip(key):
    data = encrypt_private_key(key, "correct horse", FAST)
    assert key.secret_bytes().hex() not in data.decode()
    assert b64url_encode(key.secret_bytes()) not in data.decode()
    assert decrypt_private_key(data, "correct horse") == key


def test_wrong_passphrase_is_refused():
    data = encrypt_private_key(SigningKey.generate(), "correct horse", FAST)
    with pytest.raises(KeyFileError, match="passphrase"):
        decrypt_private_key(data, "battery staple")


def _edit(data: bytes, change) -> bytes:
    document = json.loads(data)
    change(document)
    return json.dumps(document).encode()


def test_metadata_pointing_at_another_key_is_refused():
    data = encrypt_private_key(SigningKey.generate(), "pw", FAST)
    other = SigningKey.generate().kid
    with pytest.raises(KeyFileError, match="does not match"):
        decrypt_private_key(_edit(data, lambda d: d.update(kid=other)), "pw")


def test_algorithm_swap_is_refused():
    data = encrypt_private_key(SigningKey.generate(), "pw", FAST)
    with pytest.raises(KeyFileError):
        decrypt_private_key(_edit(data, lambda d: d.update(alg="x25519")), "pw")


def test_tampered_ciphertext_is_refused():
    data = encrypt_private_key(SigningKey.generate(), "pw", FAST)

    def flip(document):
        raw = bytearray(b64url_decode(document["box"]["ciphertext"]))
        raw[0] ^= 1
        document["box"]["ciphertext"] = b64url_encode(bytes(raw))

    with pytest.raises(KeyFileError):
        decrypt_private_key(_edit(data, flip), "pw")


def test_lowered_cost_is_refused():
    """Someone who lowers the stored cost wants a cheaper offline guessing attack."""
    data = encrypt_private_key(SigningKey.generate(), "pw", FAST)
    with pytest.raises(KeyFileError, match="cost"):
        decrypt_private_key(_edit(data, lambda d: d["kdf"].update(memlimit=1024)), "pw")
    with pytest.raises(KeyFileError, match="cost"):
        encrypt_private_key(SigningKey.generate(), "pw", KdfCost(1, 1024))


@pytest.mark.parametrize("data", [b"", b"{}", b"not json", b'{"format": "mla-exchange/private-key+v1"}'])
def test_malformed_files_are_refused(data):
    with pytest.raises(KeyFileError):
        decrypt_private_key(data, "pw")


def test_empty_passphrase_is_refused():
    with pytest.raises(KeyFileError):
        encrypt_private_key(SigningKey.generate(), "", FAST)
