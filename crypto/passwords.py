"""Password hashes for local accounts: argon2id in libsodium's encoded form.

A stolen user table must not give passwords away: argon2id is memory-hard, so guessing costs
memory as well as time on every try. The encoded form carries its own salt and parameters, so
stronger parameters can be introduced without invalidating existing hashes.
"""

from __future__ import annotations

import functools

from crypto import _nacl

PREFIX = "$argon2id$"
# Passwords longer than this are refused before hashing: hashing cost must not be the attacker's to set.
MAX_PASSWORD_BYTES = 1024

# libsodium's "interactive" profile (64 MiB, 2 passes), about 0.1 s here: fit for a login.
OPSLIMIT = _nacl.ARGON2ID_OPSLIMIT_INTERACTIVE
MEMLIMIT = _nacl.ARGON2ID_MEMLIMIT_INTERACTIVE


def hash_password(password: str, *, opslimit: int = OPSLIMIT, memlimit: int = MEMLIMIT) -> str:
    encoded = password.encode("utf-8")
    if not encoded or len(encoded) > MAX_PASSWORD_BYTES:
        raise ValueError(f"a password is 1 to {MAX_PASSWORD_BYTES} bytes")
    return _nacl.argon2id_str(encoded, opslimit, memlimit).decode("ascii")


def verify_password(stored: str, password: str) -> bool:
    """Whether `password` matches `stored`; False (never an exception) for anything malformed."""
    encoded = password.encode("utf-8")
    if not stored.startswith(PREFIX) or not encoded or len(encoded) > MAX_PASSWORD_BYTES:
        return False
    return _nacl.argon2id_verify(stored.encode("ascii"), encoded)


# A hash of a random password, checked when the user does not exist so that an unknown username
# costs as much time as a wrong password (no timing oracle for which accounts exist).
@functools.cache
def _dummy() -> str:
    return hash_password(_nacl.random_bytes(16).hex())


def burn_time(password: str) -> None:
    verify_password(_dummy(), password)
