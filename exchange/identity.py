"""This node's private keys: one signing key, and every encryption key it may still be sent to.

Keys come from the environment (`EXCHANGE_SIGNING_KEY`, `EXCHANGE_ENCRYPTION_KEYS`) or from key
files under `<home>/keys/`, encrypted with the passphrase in `EXCHANGE_KEY_PASSPHRASE`. Retired
encryption keys stay loaded so envelopes sealed to them before a rotation can still be opened.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from crypto import EncryptionKey, KeyFileError, SigningKey
from crypto.keyfile import decrypt_private_key
from crypto.keys import private_key_from_text
from exchange.config import Settings, SettingsError
from exchange.errors import ConfigurationError

SIGNING_FILE = "signing.key"
ENCRYPTION_GLOB = "encryption*.key"


@dataclass(frozen=True)
class NodeIdentity:
    """The node id and its private keys (never logged)."""

    node_id: str
    signing_key: SigningKey = field(repr=False)
    encryption_keys: Mapping[str, EncryptionKey] = field(repr=False)


def load_identity(settings: Settings) -> NodeIdentity:
    signing = _signing_key(settings)
    encryption = _encryption_keys(settings)
    if not encryption:
        raise ConfigurationError(f"no encryption key: set EXCHANGE_ENCRYPTION_KEYS or create {settings.keys_dir}")
    return NodeIdentity(settings.node_id, signing, {key.kid: key for key in encryption})


def _signing_key(settings: Settings) -> SigningKey:
    if settings.signing_key:
        key = private_key_from_text(settings.signing_key)
    else:
        key = _read_file(settings.keys_dir / SIGNING_FILE, settings)
    if not isinstance(key, SigningKey):
        raise ConfigurationError("the signing key must be an ed25519 key")
    return key


def _encryption_keys(settings: Settings) -> list[EncryptionKey]:
    if settings.encryption_keys:
        texts = [part for part in settings.encryption_keys.split(",") if part.strip()]
        keys = [private_key_from_text(text) for text in texts]
    else:
        keys = [_read_file(path, settings) for path in sorted(settings.keys_dir.glob(ENCRYPTION_GLOB))]
    if not all(isinstance(key, EncryptionKey) for key in keys):
        raise ConfigurationError("encryption keys must be x25519 keys")
    return [key for key in keys if isinstance(key, EncryptionKey)]


def _read_file(path: Path, settings: Settings) -> SigningKey | EncryptionKey:
    if not path.is_file():
        raise ConfigurationError(f"key file {path} is missing (run `exchange init`)")
    try:
        passphrase = settings.passphrase()
    except SettingsError as exc:
        raise ConfigurationError(str(exc)) from exc
    if not passphrase:
        raise ConfigurationError(
            "EXCHANGE_KEY_PASSPHRASE (or EXCHANGE_KEY_PASSPHRASE_FILE) is needed to read key files"
        )
    try:
        return decrypt_private_key(path.read_bytes(), passphrase)
    except KeyFileError as exc:
        raise ConfigurationError(f"cannot read {path.name}: {exc}") from exc
