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
from crypto.encoding import b64url_decode
from crypto.errors import CryptoError
from crypto.keyfile import decrypt_private_key
from crypto.keys import private_key_from_text
from crypto.storage import StorageKey
from exchange.config import Settings, SettingsError
from exchange.errors import ConfigurationError

SIGNING_FILE = "signing.key"
ENCRYPTION_GLOB = "encryption*.key"
STORAGE_FILE = "storage.key"  # the current storage key; retired ones are storage-*.key
STORAGE_GLOB = "storage-*.key"


@dataclass(frozen=True)
class NodeIdentity:
    """The node id and its private keys (never logged)."""

    node_id: str
    signing_key: SigningKey = field(repr=False)
    encryption_keys: Mapping[str, EncryptionKey] = field(repr=False)
    storage_keys: tuple[StorageKey, ...] = field(default=(), repr=False)

    @property
    def storage_key(self) -> StorageKey:
        """The key new records are sealed under (the first: current, then retired ones)."""
        if not self.storage_keys:
            raise ConfigurationError("no storage key: create keys/storage.key or set EXCHANGE_STORAGE_KEYS")
        return self.storage_keys[0]

    def storage_key_for(self, kid: str) -> StorageKey:
        for key in self.storage_keys:
            if key.kid == kid:
                return key
        raise ConfigurationError(f"storage key {kid} is not available on this node")


def load_identity(settings: Settings) -> NodeIdentity:
    signing = _signing_key(settings)
    encryption = _encryption_keys(settings)
    if not encryption:
        raise ConfigurationError(f"no encryption key: set EXCHANGE_ENCRYPTION_KEYS or create {settings.keys_dir}")
    return NodeIdentity(settings.node_id, signing, {key.kid: key for key in encryption}, _storage_keys(settings))


def _storage_keys(settings: Settings) -> tuple[StorageKey, ...]:
    """Current key first, then retired ones (still needed to read what they sealed)."""
    if settings.storage_keys:
        texts = [part.strip() for part in settings.storage_keys.split(",") if part.strip()]
        try:
            return tuple(StorageKey(b64url_decode(text.removeprefix("storage:"))) for text in texts)
        except (ValueError, CryptoError) as exc:
            raise ConfigurationError("EXCHANGE_STORAGE_KEYS holds a malformed key") from exc
    current = settings.keys_dir / STORAGE_FILE
    paths = ([current] if current.is_file() else []) + sorted(settings.keys_dir.glob(STORAGE_GLOB))
    keys = [_read_file(path, settings) for path in paths]
    if not all(isinstance(key, StorageKey) for key in keys):
        raise ConfigurationError("storage key files must hold storage keys")
    return tuple(key for key in keys if isinstance(key, StorageKey))


def _signing_key(settings: Settings) -> SigningKey:
    key: SigningKey | EncryptionKey | StorageKey
    if settings.signing_key:
        key = private_key_from_text(settings.signing_key)
    else:
        key = _read_file(settings.keys_dir / SIGNING_FILE, settings)
    if not isinstance(key, SigningKey):
        raise ConfigurationError("the signing key must be an ed25519 key")
    return key


def _encryption_keys(settings: Settings) -> list[EncryptionKey]:
    keys: list[SigningKey | EncryptionKey | StorageKey]
    if settings.encryption_keys:
        texts = [part for part in settings.encryption_keys.split(",") if part.strip()]
        keys = [private_key_from_text(text) for text in texts]
    else:
        keys = [_read_file(path, settings) for path in sorted(settings.keys_dir.glob(ENCRYPTION_GLOB))]
    if not all(isinstance(key, EncryptionKey) for key in keys):
        raise ConfigurationError("encryption keys must be x25519 keys")
    return [key for key in keys if isinstance(key, EncryptionKey)]


def _read_file(path: Path, settings: Settings) -> SigningKey | EncryptionKey | StorageKey:
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
