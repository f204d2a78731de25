"""Errors raised by the crypto package: one base class, one subclass per kind of failure."""

from __future__ import annotations


class CryptoError(Exception):
    """Base class for every error raised by `crypto`."""


class InvalidKeyError(CryptoError):
    """A key is malformed, of the wrong type, or unusable (for example a small-order X25519 point)."""


class SignatureError(CryptoError):
    """A signature does not verify."""


class DecryptionError(CryptoError):
    """Authenticated decryption failed: wrong key, wrong associated data, or tampered ciphertext."""


class KeyFileError(CryptoError):
    """A stored private key cannot be read: wrong passphrase, tampering, or an unknown format."""
