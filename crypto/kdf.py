"""HKDF-SHA-256 (RFC 5869), used to turn an X25519 shared secret into an AEAD key."""

from __future__ import annotations

import hashlib
import hmac

_HASH_LEN = 32


def hkdf_sha256(ikm: bytes, *, salt: bytes, info: bytes, length: int) -> bytes:
    """Extract-then-expand HKDF with SHA-256; `length` is at most 255 * 32 bytes."""
    if not 0 < length <= 255 * _HASH_LEN:
        raise ValueError("HKDF-SHA-256 output length must be between 1 and 8160 bytes")
    prk = hmac.new(salt or b"\x00" * _HASH_LEN, ikm, hashlib.sha256).digest()
    output = b""
    block = b""
    counter = 1
    while len(output) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        output += block
        counter += 1
    return output[:length]
