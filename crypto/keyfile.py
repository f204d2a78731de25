"""Private keys at rest: encrypted under a passphrase with argon2id and XSalsa20-Poly1305 (secretbox).

File format (JSON, one object):

    {"format": "mla-exchange/private-key+v1", "alg": "ed25519", "kid": "...",
     "kdf": {"alg": "argon2id13", "salt": b64url, "opslimit": int, "memlimit": int},
     "box": {"alg": "xsalsa20poly1305", "nonce": b64url, "ciphertext": b64url}}

Secretbox takes no associated data, so after decrypting we recompute the key id from the secret
and refuse the file unless it matches `kid` and `alg`: a file whose metadata was edited to claim
another key fails instead of silently loading something else. The argon2id cost is stored in the
file so it can be raised later without breaking old files; a floor refuses files whose cost was
lowered by someone who wants a cheap offline guessing attack.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from crypto import _nacl
from crypto.encoding import b64url_decode, b64url_encode
from crypto.errors import CryptoError, KeyFileError
from crypto.keys import ED25519, X25519, EncryptionKey, PrivateKey, SigningKey
from crypto.storage import StorageKey

FORMAT = "mla-exchange/private-key+v1"


@dataclass(frozen=True)
class KdfCost:
    """argon2id cost parameters."""

    opslimit: int
    memlimit: int


# Interactive cost (about 64 MiB, a fraction of a second): a node decrypts its keys at start-up.
DEFAULT_COST = KdfCost(_nacl.ARGON2ID_OPSLIMIT_INTERACTIVE, _nacl.ARGON2ID_MEMLIMIT_INTERACTIVE)
# The cheapest cost we will read: tests use it to stay fast; anything lower is refused.
MINIMUM_COST = KdfCost(_nacl.ARGON2ID_OPSLIMIT_MIN, 8 * 1024 * 1024)


def encrypt_private_key(key: PrivateKey | StorageKey, passphrase: str, cost: KdfCost = DEFAULT_COST) -> bytes:
    """The JSON bytes of `key` encrypted under `passphrase`."""
    if not passphrase:
        raise KeyFileError("a passphrase is required to store a private key")
    _check_cost(cost)
    salt = _nacl.random_bytes(_nacl.ARGON2ID_SALT_BYTES)
    box_key = _nacl.argon2id(_nacl.SECRETBOX_KEY_BYTES, passphrase.encode("utf-8"), salt, cost.opslimit, cost.memlimit)
    nonce = _nacl.random_bytes(_nacl.SECRETBOX_NONCE_BYTES)
    ciphertext = _nacl.secretbox_encrypt(box_key, nonce, key.secret_bytes())
    document = {
        "format": FORMAT,
        "alg": key.alg,
        "kid": key.kid,
        "kdf": {
            "alg": "argon2id13",
            "salt": b64url_encode(salt),
            "opslimit": cost.opslimit,
            "memlimit": cost.memlimit,
        },
        "box": {
            "alg": "xsalsa20poly1305",
            "nonce": b64url_encode(nonce),
            "ciphertext": b64url_encode(ciphertext),
        },
    }
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("utf-8")


def decrypt_private_key(data: bytes, passphrase: str) -> PrivateKey | StorageKey:
    """Read a key file written by `encrypt_private_key`; raises KeyFileError for any problem."""
    try:
        document = json.loads(data)
        if document.get("format") != FORMAT:
            raise KeyFileError("not an mla-exchange private key file")
        alg, kid = _str(document, "alg"), _str(document, "kid")
        kdf, box = document["kdf"], document["box"]
        if kdf.get("alg") != "argon2id13" or box.get("alg") != "xsalsa20poly1305":
            raise KeyFileError("unsupported key file algorithms")
        cost = KdfCost(int(kdf["opslimit"]), int(kdf["memlimit"]))
        _check_cost(cost)
        salt, nonce = b64url_decode(_str(kdf, "salt")), b64url_decode(_str(box, "nonce"))
        ciphertext = b64url_decode(_str(box, "ciphertext"))
    except KeyFileError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise KeyFileError("key file is malformed") from exc
    try:
        box_key = _nacl.argon2id(
            _nacl.SECRETBOX_KEY_BYTES, passphrase.encode("utf-8"), salt, cost.opslimit, cost.memlimit
        )
        secret = _nacl.secretbox_decrypt(box_key, nonce, ciphertext)
    except CryptoError as exc:
        raise KeyFileError("wrong passphrase or tampered key file") from exc
    key: PrivateKey | StorageKey
    if alg == ED25519:
        key = SigningKey(secret)
    elif alg == X25519:
        key = EncryptionKey(secret)
    elif alg == "storage":
        key = StorageKey(secret)
    else:
        raise KeyFileError(f"unknown key algorithm {alg!r}")
    if key.kid != kid:
        raise KeyFileError("key file metadata does not match the key it contains")
    return key


def _check_cost(cost: KdfCost) -> None:
    if cost.opslimit < MINIMUM_COST.opslimit or cost.memlimit < MINIMUM_COST.memlimit:
        raise KeyFileError("argon2id cost is below the accepted minimum")


def _str(mapping: Any, name: str) -> str:
    value = mapping[name]
    if not isinstance(value, str):
        raise KeyFileError(f"{name} must be a string")
    return value
