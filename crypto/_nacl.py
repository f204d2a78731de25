"""The only module that imports PyNaCl: raw primitives over bytes, with libsodium's errors translated.

Everything above this module works with typed keys and never chooses algorithms, nonces or sizes
itself; keeping the binding surface in one place makes an audit of what we call tractable.
"""

from __future__ import annotations

import nacl
import nacl.bindings as _b
import nacl.exceptions as _exc
import nacl.pwhash.argon2id as _argon2id

from crypto.errors import DecryptionError, InvalidKeyError, SignatureError

# The running PyNaCl; 1.6.2 is the first with libsodium's fix for CVE-2025-69277.
PYNACL_VERSION: str = nacl.__version__

ED25519_SEED_BYTES = _b.crypto_sign_SEEDBYTES
ED25519_PUBLIC_BYTES = _b.crypto_sign_PUBLICKEYBYTES
ED25519_SIGNATURE_BYTES = _b.crypto_sign_BYTES
X25519_BYTES = _b.crypto_scalarmult_BYTES
XCHACHA_KEY_BYTES = _b.crypto_aead_xchacha20poly1305_ietf_KEYBYTES
XCHACHA_NONCE_BYTES = _b.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
SECRETBOX_KEY_BYTES = _b.crypto_secretbox_KEYBYTES
SECRETBOX_NONCE_BYTES = _b.crypto_secretbox_NONCEBYTES
ARGON2ID_SALT_BYTES = _argon2id.SALTBYTES
ARGON2ID_OPSLIMIT_INTERACTIVE = _argon2id.OPSLIMIT_INTERACTIVE
ARGON2ID_MEMLIMIT_INTERACTIVE = _argon2id.MEMLIMIT_INTERACTIVE
ARGON2ID_OPSLIMIT_MODERATE = _argon2id.OPSLIMIT_MODERATE
ARGON2ID_MEMLIMIT_MODERATE = _argon2id.MEMLIMIT_MODERATE
ARGON2ID_OPSLIMIT_MIN = _argon2id.OPSLIMIT_MIN
ARGON2ID_MEMLIMIT_MIN = _argon2id.MEMLIMIT_MIN


def random_bytes(size: int) -> bytes:
    """Bytes from libsodium's CSPRNG."""
    result: bytes = _b.randombytes(size)
    return result


def ed25519_public_from_seed(seed: bytes) -> bytes:
    """The Ed25519 public key of a 32-byte seed."""
    if len(seed) != ED25519_SEED_BYTES:
        raise InvalidKeyError("an Ed25519 seed is 32 bytes")
    public, _secret = _b.crypto_sign_seed_keypair(seed)
    return bytes(public)


def ed25519_expand(seed: bytes) -> bytes:
    """libsodium's 64-byte secret key (seed || public) for a seed, kept only in memory."""
    if len(seed) != ED25519_SEED_BYTES:
        raise InvalidKeyError("an Ed25519 seed is 32 bytes")
    _public, secret = _b.crypto_sign_seed_keypair(seed)
    return bytes(secret)


def ed25519_sign(expanded_secret: bytes, message: bytes) -> bytes:
    """A detached Ed25519 signature (RFC 8032, no prehash)."""
    signed: bytes = _b.crypto_sign(message, expanded_secret)
    return signed[:ED25519_SIGNATURE_BYTES]


def ed25519_verify(public: bytes, message: bytes, signature: bytes) -> None:
    """Raise SignatureError unless `signature` is a valid Ed25519 signature of `message` by `public`.

    libsodium rejects non-canonical S, small-order R and small-order public keys, which is the
    strict behaviour the Wycheproof vectors expect; any length or encoding problem is folded into
    the same error so callers have one thing to catch.
    """
    if len(public) != ED25519_PUBLIC_BYTES or len(signature) != ED25519_SIGNATURE_BYTES:
        raise SignatureError("signature or public key has the wrong length")
    try:
        _b.crypto_sign_open(signature + message, public)
    except (_exc.BadSignatureError, _exc.CryptoError, ValueError) as exc:
        raise SignatureError("signature does not verify") from exc


def ed25519_is_valid_point(public: bytes) -> bool:
    """Whether `public` encodes a point of the prime-order subgroup, not of small order.

    libsodium before 1.0.20-stable (2025-12-31) accepted P + (0, -1) here (CVE-2025-69277);
    PyNaCl 1.6.2 bundles the fixed library.
    """
    if len(public) != ED25519_PUBLIC_BYTES:
        return False
    return bool(_b.crypto_core_ed25519_is_valid_point(public))


def x25519_public(secret: bytes) -> bytes:
    """The X25519 public key for a 32-byte secret scalar (clamped by libsodium)."""
    if len(secret) != X25519_BYTES:
        raise InvalidKeyError("an X25519 secret is 32 bytes")
    return bytes(_b.crypto_scalarmult_base(secret))


def x25519(secret: bytes, public: bytes) -> bytes:
    """The X25519 shared secret; raises InvalidKeyError for small-order peers.

    libsodium returns an error when the result is all zeros, which happens exactly when the peer
    public key has small order. Continuing with a zero secret would let an attacker who controls a
    public key force a known key, so it is an error, never a value.
    """
    if len(secret) != X25519_BYTES or len(public) != X25519_BYTES:
        raise InvalidKeyError("X25519 keys are 32 bytes")
    try:
        shared: bytes = _b.crypto_scalarmult(secret, public)
    except (_exc.RuntimeError, _exc.CryptoError, ValueError) as exc:
        raise InvalidKeyError("X25519 produced an all-zero shared secret (small-order public key)") from exc
    return shared


def xchacha20poly1305_encrypt(key: bytes, nonce: bytes, aad: bytes, plaintext: bytes) -> bytes:
    """XChaCha20-Poly1305 (IETF) encryption; the tag is appended to the ciphertext."""
    if len(key) != XCHACHA_KEY_BYTES or len(nonce) != XCHACHA_NONCE_BYTES:
        raise InvalidKeyError("XChaCha20-Poly1305 needs a 32-byte key and a 24-byte nonce")
    out: bytes = _b.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, aad, nonce, key)
    return out


def xchacha20poly1305_decrypt(key: bytes, nonce: bytes, aad: bytes, ciphertext: bytes) -> bytes:
    """XChaCha20-Poly1305 (IETF) decryption; raises DecryptionError on any failure."""
    if len(key) != XCHACHA_KEY_BYTES or len(nonce) != XCHACHA_NONCE_BYTES:
        raise DecryptionError("XChaCha20-Poly1305 needs a 32-byte key and a 24-byte nonce")
    try:
        out: bytes = _b.crypto_aead_xchacha20poly1305_ietf_decrypt(ciphertext, aad, nonce, key)
    except (_exc.CryptoError, ValueError, TypeError) as exc:
        raise DecryptionError("authentication failed") from exc
    return out


def argon2id(size: int, passphrase: bytes, salt: bytes, opslimit: int, memlimit: int) -> bytes:
    """Argon2id key derivation (libsodium crypto_pwhash, algorithm ARGON2ID13)."""
    try:
        out: bytes = _argon2id.kdf(size, passphrase, salt, opslimit=opslimit, memlimit=memlimit)
    except (_exc.CryptoError, ValueError, TypeError) as exc:
        raise InvalidKeyError("argon2id parameters are not acceptable") from exc
    return out


def argon2id_str(password: bytes, opslimit: int, memlimit: int) -> bytes:
    """A self-describing argon2id hash (`$argon2id$v=19$m=...,t=...,p=1$salt$hash`), fresh random salt."""
    try:
        out: bytes = _argon2id.str(password, opslimit=opslimit, memlimit=memlimit)
    except (_exc.CryptoError, ValueError, TypeError) as exc:
        raise InvalidKeyError("argon2id parameters are not acceptable") from exc
    return out


def argon2id_verify(encoded: bytes, password: bytes) -> bool:
    """Whether `password` matches an argon2id hash (libsodium compares in constant time)."""
    try:
        return bool(_argon2id.verify(encoded, password))
    except (_exc.InvalidkeyError, _exc.CryptoError, ValueError, TypeError):
        return False


def secretbox_encrypt(key: bytes, nonce: bytes, plaintext: bytes) -> bytes:
    """XSalsa20-Poly1305 (crypto_secretbox_easy): tag followed by ciphertext."""
    out: bytes = _b.crypto_secretbox_easy(plaintext, nonce, key)
    return out


def secretbox_decrypt(key: bytes, nonce: bytes, ciphertext: bytes) -> bytes:
    """Open a crypto_secretbox_easy box; raises DecryptionError on any failure."""
    try:
        out: bytes = _b.crypto_secretbox_open_easy(ciphertext, nonce, key)
    except (_exc.CryptoError, ValueError, TypeError) as exc:
        raise DecryptionError("authentication failed") from exc
    return out
