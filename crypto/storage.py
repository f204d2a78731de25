"""Encryption at rest: records sealed under the node's storage keys (XChaCha20-Poly1305).

A storage key is 32 random bytes with a key id. New records are sealed under the newest key;
older keys stay available for reading until their records are re-sealed (rotation). The record's
identity is the associated data, so a sealed body cannot be moved to another record and read as
that record's content.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

from crypto import _nacl
from crypto.encoding import b64url_encode
from crypto.errors import DecryptionError, InvalidKeyError
from crypto.kdf import hkdf_sha256

VERSION = b"\x01"


@dataclass(frozen=True, repr=False)
class StorageKey:
    """A symmetric key for records at rest; repr never shows the secret."""

    secret: bytes
    kid: str = field(init=False)

    def __post_init__(self) -> None:
        if len(self.secret) != _nacl.XCHACHA_KEY_BYTES:
            raise InvalidKeyError("a storage key is 32 bytes")
        digest = hashlib.sha256(b"storage\x00" + self.secret).digest()
        object.__setattr__(self, "kid", "storage:" + b64url_encode(digest[:16]))

    @classmethod
    def generate(cls) -> StorageKey:
        return cls(_nacl.random_bytes(_nacl.XCHACHA_KEY_BYTES))

    @property
    def alg(self) -> str:
        return "storage"

    def secret_bytes(self) -> bytes:
        return self.secret

    def derive(self, purpose: str) -> bytes:
        """A 32-byte key for one other purpose (HKDF-SHA-256), independent of the records' key."""
        return hkdf_sha256(self.secret, salt=b"mla-exchange/storage-key", info=purpose.encode("utf-8"), length=32)

    def seal(self, plaintext: bytes, record: bytes) -> bytes:
        """`version || nonce || ciphertext`, bound to `record` (the record's identity)."""
        nonce = _nacl.random_bytes(_nacl.XCHACHA_NONCE_BYTES)
        return VERSION + nonce + _nacl.xchacha20poly1305_encrypt(self.secret, nonce, record, plaintext)

    def open(self, sealed: bytes, record: bytes) -> bytes:
        if len(sealed) < 1 + _nacl.XCHACHA_NONCE_BYTES or sealed[:1] != VERSION:
            raise DecryptionError("not a sealed record")
        nonce = sealed[1 : 1 + _nacl.XCHACHA_NONCE_BYTES]
        return _nacl.xchacha20poly1305_decrypt(self.secret, nonce, record, sealed[1 + _nacl.XCHACHA_NONCE_BYTES :])

    def __repr__(self) -> str:
        return f"StorageKey(kid={self.kid!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StorageKey) and hmac.compare_digest(self.secret, other.secret)

    def __hash__(self) -> int:
        return hash(self.kid)
