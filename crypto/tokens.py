"""Unpredictable tokens (nonces, identifiers) from libsodium's CSPRNG."""

from __future__ import annotations

from crypto import _nacl
from crypto.encoding import b64url_encode


def random_token(nbytes: int = 16) -> str:
    """`nbytes` random bytes as unpadded base64url."""
    return b64url_encode(_nacl.random_bytes(nbytes))
