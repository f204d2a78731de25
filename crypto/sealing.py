"""Envelope body encryption: X25519 with an ephemeral sender key, HKDF-SHA-256, XChaCha20-Poly1305.

    e, E   = fresh X25519 key pair for this message only
    shared = X25519(e, R)                      (R: the recipient node's encryption key)
    key    = HKDF-SHA-256(ikm=shared, salt=E || R, info="mla-exchange/1 envelope body", L=32)
    ct     = XChaCha20-Poly1305(key, nonce (24 random bytes), aad, plaintext)

The associated data is the envelope header, so a header cannot be moved onto another body. The
construction gives confidentiality to the recipient only and names no sender: authenticity comes
from the signatures the envelope carries, never from this layer (a sealed box is not a signature).
"""

from __future__ import annotations

from dataclasses import dataclass

from crypto import _nacl
from crypto.errors import DecryptionError, InvalidKeyError
from crypto.kdf import hkdf_sha256
from crypto.keys import EncryptionKey, EncryptionPublicKey

SUITE = "X25519-HKDF-SHA256-XChaCha20Poly1305"
_INFO = b"mla-exchange/1 envelope body"


@dataclass(frozen=True)
class Sealed:
    """The three public parts of a sealed body."""

    ephemeral: EncryptionPublicKey
    nonce: bytes
    ciphertext: bytes


def _derive_key(shared: bytes, ephemeral: EncryptionPublicKey, recipient: EncryptionPublicKey) -> bytes:
    return hkdf_sha256(shared, salt=ephemeral.raw + recipient.raw, info=_INFO, length=_nacl.XCHACHA_KEY_BYTES)


def seal(plaintext: bytes, recipient: EncryptionPublicKey, aad: bytes) -> Sealed:
    """Encrypt `plaintext` for `recipient`, binding `aad`; the caller chooses no key or nonce."""
    ephemeral = EncryptionKey.generate()
    shared = ephemeral.exchange(recipient)
    key = _derive_key(shared, ephemeral.public, recipient)
    nonce = _nacl.random_bytes(_nacl.XCHACHA_NONCE_BYTES)
    ciphertext = _nacl.xchacha20poly1305_encrypt(key, nonce, aad, plaintext)
    return Sealed(ephemeral=ephemeral.public, nonce=nonce, ciphertext=ciphertext)


def open_sealed(sealed: Sealed, recipient: EncryptionKey, aad: bytes) -> bytes:
    """Decrypt a sealed body with the recipient's private key; raises DecryptionError on any failure.

    A small-order ephemeral key is reported as a decryption failure: to the caller it is simply
    a body that cannot be opened, and we never continue with an all-zero shared secret.
    """
    try:
        shared = recipient.exchange(sealed.ephemeral)
    except InvalidKeyError as exc:
        raise DecryptionError("ephemeral key is not usable") from exc
    key = _derive_key(shared, sealed.ephemeral, recipient.public)
    return _nacl.xchacha20poly1305_decrypt(key, sealed.nonce, aad, sealed.ciphertext)
