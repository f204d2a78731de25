"""Creating a node's folder: keys encrypted under a passphrase, `exchange.env`, the public entry.

Used by `exchange init`, the demo and the tests, so all three produce the same layout:

    <home>/keys/signing.key       Ed25519, argon2id + secretbox under the passphrase
    <home>/keys/encryption.key    X25519, likewise
    <home>/keys/storage.key       symmetric key sealing stored case content, likewise
    <home>/exchange.env           EXCHANGE_* settings of this node
    <home>/node-entry.json        the public entry the governance puts into the directory
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from crypto import EncryptionKey, SigningKey
from crypto.keyfile import DEFAULT_COST, KdfCost, encrypt_private_key
from crypto.storage import StorageKey
from exchange.config import ENV_FILE
from exchange.errors import ConfigurationError
from exchange.identity import SIGNING_FILE, STORAGE_FILE
from protocols.registry import CURRENT
from protocols.timefmt import truncate
from protocols.v1.directory import KeyEntry, NodeEntry

ENCRYPTION_FILE = "encryption.key"
NODE_ENTRY_FILE = "node-entry.json"
# Keys become valid slightly in the past so a peer whose clock runs a little behind accepts them.
BACKDATE = timedelta(minutes=5)


def default_bind(endpoint: str) -> str:
    """Where gunicorn listens: the endpoint itself on loopback (tests, the demo), otherwise the
    loopback port a TLS-terminating proxy forwards to, never a public name."""
    parts = urlsplit(endpoint)
    if parts.hostname in ("127.0.0.1", "localhost", "::1"):
        return f"{parts.hostname}:{parts.port or 80}"
    return "127.0.0.1:8000"


@dataclass(frozen=True)
class NewNode:
    home: Path
    entry: NodeEntry
    signing: SigningKey
    encryption: EncryptionKey


def init_node_home(
    home: Path,
    *,
    node_id: str,
    endpoint: str,
    passphrase: str,
    now: datetime,
    name: str | None = None,
    country: str | None = None,
    languages: tuple[str, ...] = ("en",),
    settings: dict[str, str] | None = None,
    cost: KdfCost = DEFAULT_COST,
) -> NewNode:
    """Create the folder of a new node; refuses to touch a folder that already holds keys."""
    keys = home / "keys"
    if (keys / SIGNING_FILE).exists():
        raise ConfigurationError(f"{keys} already holds keys; a node is initialised once")
    endpoint = endpoint.rstrip("/")
    keys.mkdir(parents=True, exist_ok=True)
    keys.chmod(0o700)
    signing, encryption, storage = SigningKey.generate(), EncryptionKey.generate(), StorageKey.generate()
    for filename, key in ((SIGNING_FILE, signing), (ENCRYPTION_FILE, encryption), (STORAGE_FILE, storage)):
        path = keys / filename
        path.write_bytes(encrypt_private_key(key, passphrase, cost))
        path.chmod(0o600)
    values = {"EXCHANGE_NODE_ID": node_id, "EXCHANGE_PUBLIC_URL": endpoint, "EXCHANGE_BIND": default_bind(endpoint)}
    values.update(settings or {})
    lines = [f"{name_}={value}" for name_, value in values.items()]
    header = "# Written by `exchange init`; see deploy/exchange.env.example\n"
    env_file = home / ENV_FILE
    env_file.write_text(header + "\n".join(lines) + "\n")
    env_file.chmod(0o600)  # it may hold a database password
    valid_from = truncate(now) - BACKDATE
    entry = NodeEntry(
        id=node_id,
        country=country or node_id[:2],
        name=name or node_id,
        endpoint=endpoint,
        protocols=(CURRENT.name,),
        languages=languages,
        keys=(
            KeyEntry(signing.kid, signing.alg, signing.public.raw, valid_from, None, None),
            KeyEntry(encryption.kid, encryption.alg, encryption.public.raw, valid_from, None, None),
        ),
    )
    (home / NODE_ENTRY_FILE).write_text(json.dumps(entry.to_json(), indent=2, ensure_ascii=False) + "\n")
    return NewNode(home, entry, signing, encryption)
