"""Typed Ed25519 signing keys and X25519 encryption keys with stable, self-certifying key ids.

A key id is derived from the public key alone:

    kid = <alg> ":" base64url( SHA-256( <alg> || 0x00 || public_key )[0:16] )

so every node computes the same id for the same key, an id cannot be re-pointed at another key,
and the algorithm is part of the name (an Ed25519 id can never select an X25519 key).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

from crypto import _nacl
from crypto.encoding import b64url_decode, b64url_encode
from crypto.errors import InvalidKeyError

ED25519 = "ed25519"
X25519 = "x25519"


def key_id(alg: str, public: bytes) -> str:
    """The stable key id of a public key of algorithm `alg`."""
    digest = hashlib.sha256(alg.encode("ascii") + b"\x00" + public).digest()
    return f"{alg}:{b64url_encode(digest[:16])}"


@dataclass(frozen=True)
class VerifyKey:
    """An Ed25519 public key."""

    raw: bytes

    def __post_init__(self) -> None:
        if len(self.raw) != _nacl.ED25519_PUBLIC_BYTES:
            raise InvalidKeyError("an Ed25519 public key is 32 bytes")

    @property
    def kid(self) -> str:
        return key_id(ED25519, self.raw)

    def verify(self, message: bytes, signature: bytes) -> None:
        """Raise SignatureError unless `signature` is this key's signature over `message`."""
        _nacl.ed25519_verify(self.raw, message, signature)

    def check_usable(self) -> None:
        """Raise InvalidKeyError unless this is a point of the prime-order subgroup.

        Every honestly generated key is; a small-order or mixed-order point is someone trying
        to publish a key whose signatures mean less than they seem.
        """
        if not _nacl.ed25519_is_valid_point(self.raw):
            raise InvalidKeyError("not a valid Ed25519 public key (small or mixed order)")

    def to_text(self) -> str:
        return b64url_encode(self.raw)

    @classmethod
    def from_text(cls, text: str) -> VerifyKey:
        try:
            return cls(b64url_decode(text))
        except ValueError as exc:
            raise InvalidKeyError("public key is not base64url") from exc


@dataclass(frozen=True, repr=False)
class SigningKey:
    """An Ed25519 private key (the 32-byte seed); repr never shows the secret."""

    seed: bytes
    public: VerifyKey = field(init=False)
    _expanded: bytes = field(init=False)

    def __post_init__(self) -> None:
        expanded = _nacl.ed25519_expand(self.seed)
        object.__setattr__(self, "_expanded", expanded)
        object.__setattr__(self, "public", VerifyKey(expanded[32:]))

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(_nacl.random_bytes(_nacl.ED25519_SEED_BYTES))

    @property
    def kid(self) -> str:
        return self.public.kid

    @property
    def alg(self) -> str:
        return ED25519

    def sign(self, message: bytes) -> bytes:
        """A detached Ed25519 signature over `message`."""
        return _nacl.ed25519_sign(self._expanded, message)

    def secret_bytes(self) -> bytes:
        return self.seed

    def __repr__(self) -> str:
        return f"SigningKey(kid={self.kid!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SigningKey) and hmac.compare_digest(self.seed, other.seed)

    def __hash__(self) -> int:
        return hash(self.kid)


@dataclass(frozen=True)
class EncryptionPublicKey:
    """An X25519 public key."""

    raw: bytes

    def __post_init__(self) -> None:
        if len(self.raw) != _nacl.X25519_BYTES:
            raise InvalidKeyError("an X25519 public key is 32 bytes")

    @property
    def kid(self) -> str:
        return key_id(X25519, self.raw)

    def to_text(self) -> str:
        return b64url_encode(self.raw)

    @classmethod
    def from_text(cls, text: str) -> EncryptionPublicKey:
        try:
            return cls(b64url_decode(text))
        except ValueError as exc:
            raise InvalidKeyError("public key is not base64url") from exc

    def check_usable(self) -> None:
        """Raise InvalidKeyError if this is a small-order point that would give an all-zero secret.

        Clamped X25519 scalars are multiples of the cofactor, so any scalar yields zero for a
        small-order point; one multiplication by a fixed scalar therefore detects them all. We
        check when a directory is ingested, so a bad key is refused before anyone encrypts to it.
        """
        _nacl.x25519(b"\x01" * 32, self.raw)


@dataclass(frozen=True, repr=False)
class EncryptionKey:
    """An X25519 private key; repr never shows the secret."""

    secret: bytes
    public: EncryptionPublicKey = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "public", EncryptionPublicKey(_nacl.x25519_public(self.secret)))

    @classmethod
    def generate(cls) -> EncryptionKey:
        return cls(_nacl.random_bytes(_nacl.X25519_BYTES))

    @property
    def kid(self) -> str:
        return self.public.kid

    @property
    def alg(self) -> str:
        return X25519

    def exchange(self, peer: EncryptionPublicKey) -> bytes:
        """The X25519 shared secret with `peer`; raises InvalidKeyError for small-order peers."""
        return _nacl.x25519(self.secret, peer.raw)

    def secret_bytes(self) -> bytes:
        return self.secret

    def __repr__(self) -> str:
        return f"EncryptionKey(kid={self.kid!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EncryptionKey) and hmac.compare_digest(self.secret, other.secret)

    def __hash__(self) -> int:
        return hash(self.kid)


PrivateKey = SigningKey | EncryptionKey


def private_key_from_text(text: str) -> PrivateKey:
    """Parse `<alg>:<base64url secret>`, the form used to pass a key through the environment."""
    alg, sep, encoded = text.strip().partition(":")
    if not sep:
        raise InvalidKeyError("expected '<alg>:<base64url secret>'")
    try:
        secret = b64url_decode(encoded)
    except ValueError as exc:
        raise InvalidKeyError("secret is not unpadded base64url") from exc
    if alg == ED25519:
        return SigningKey(secret)
    if alg == X25519:
        return EncryptionKey(secret)
    raise InvalidKeyError(f"unknown key algorithm {alg!r}")


def private_key_to_text(key: PrivateKey) -> str:
    """The `<alg>:<base64url secret>` form of a private key (for an environment variable)."""
    return f"{key.alg}:{b64url_encode(key.secret_bytes())}"
