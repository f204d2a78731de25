#!/usr/bin/env python3
"""Create a new node key for a rotation, and the node entry that announces it (stopgap tool).

The node has no `exchange keys ...` command yet. This script does the two mechanical steps of a
rotation that `exchange init` does for a new node, using the same key-file format and the same
passphrase (the node decrypts every key file with the one EXCHANGE_KEY_PASSPHRASE):

  encryption  writes <home>/keys/encryption-<UTC date and time>.key. A node process reads every
              `encryption*.key` file when it first needs its keys, so processes started after
              this (`systemctl reload exchange-web`, restarted workers) can open envelopes
              sealed to the old key and to the new one.
  signing     writes <home>/keys/signing-next.key. The node loads only `signing.key`; the
              operator moves the new file into place at the switch (see docs/operations.md).

and rewrites <home>/node-entry.json (the old one is kept as node-entry.<timestamp>.json): the
new key is added with `valid_from`, and every current key of the same kind gets `valid_until`
(`--retire-old-at`) unless it already has one. Give the new node-entry.json to the governance
for the next directory version. Nothing here touches the database or the running processes.

Choose --retire-old-at with care for an encryption key: once the node trusts the directory
version with that `valid_until`, it refuses envelopes sealed to the old key at or after that
time (key_expired, final for the sender), so every peer must have adopted the new version
before then.

    EXCHANGE_HOME=/var/lib/exchange EXCHANGE_KEY_PASSPHRASE_FILE=/etc/exchange/key-passphrase \\
        /opt/exchange/.venv/bin/python deploy/new-node-key.py encryption --retire-old-at 2026-12-31T00:00:00Z

Run it as the service user, with the node's virtualenv (it imports `crypto` and `protocols`).
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from crypto import EncryptionKey, KeyFileError, SigningKey
from crypto.keyfile import decrypt_private_key, encrypt_private_key
from protocols.errors import ProtocolError
from protocols.timefmt import format_time, parse_time, truncate
from protocols.v1.directory import KeyEntry, parse_node_entry

# Like `exchange init`: a key becomes valid slightly in the past for peers whose clock is behind.
BACKDATE = timedelta(minutes=5)


def _passphrase() -> str:
    value = os.environ.get("EXCHANGE_KEY_PASSPHRASE")
    if not value and os.environ.get("EXCHANGE_KEY_PASSPHRASE_FILE"):
        value = Path(os.environ["EXCHANGE_KEY_PASSPHRASE_FILE"]).read_text(encoding="utf-8").rstrip("\n")
    if not value:
        value = getpass.getpass("Key passphrase of this node: ")
    if not value:
        raise SystemExit("a passphrase is required")
    return value


def _time(text: str) -> datetime:
    try:
        return parse_time(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kind", choices=("encryption", "signing"))
    parser.add_argument(
        "--home",
        type=Path,
        default=Path(os.environ.get("EXCHANGE_HOME", ".")),
        help="the node folder (default: $EXCHANGE_HOME or .)",
    )
    parser.add_argument(
        "--valid-from",
        type=_time,
        default=None,
        help="when peers may start using the new key, e.g. 2026-12-01T00:00:00Z (default: now - 5 min)",
    )
    parser.add_argument(
        "--retire-old-at",
        type=_time,
        required=True,
        help="valid_until for the current key(s) of this kind; must be after --valid-from",
    )
    args = parser.parse_args()

    home: Path = args.home.expanduser().resolve()
    keys_dir = home / "keys"
    entry_file = home / "node-entry.json"
    now = truncate(datetime.now(UTC))
    valid_from: datetime = args.valid_from or now - BACKDATE
    retire_at: datetime = args.retire_old_at
    if retire_at <= valid_from or retire_at <= now:
        raise SystemExit("--retire-old-at must be in the future and after --valid-from: the keys need an overlap")
    if not (keys_dir / "signing.key").is_file() or not entry_file.is_file():
        raise SystemExit(f"{home} is not a node folder (no keys/signing.key or node-entry.json)")

    passphrase = _passphrase()
    try:
        # The node reads every key file with one passphrase: refuse to write a key it could not read.
        decrypt_private_key((keys_dir / "signing.key").read_bytes(), passphrase)
    except KeyFileError as exc:
        raise SystemExit(f"the passphrase does not open keys/signing.key ({exc})") from exc

    try:
        entry = parse_node_entry(json.loads(entry_file.read_text(encoding="utf-8")))
    except (ValueError, ProtocolError) as exc:
        raise SystemExit(f"{entry_file} is not a valid node entry: {exc}") from exc

    key: SigningKey | EncryptionKey
    if args.kind == "encryption":
        key = EncryptionKey.generate()
        target = keys_dir / f"encryption-{now.strftime('%Y%m%dT%H%M%SZ')}.key"
    else:
        key = SigningKey.generate()
        target = keys_dir / "signing-next.key"
    if target.exists():
        raise SystemExit(f"{target} exists; refusing to overwrite a key")

    keys = []
    for old in entry.keys:
        if old.alg == key.alg and old.valid_until is None and old.revoked_at is None:
            old = replace(old, valid_until=retire_at)
        keys.append(old)
    keys.append(KeyEntry(key.kid, key.alg, key.public.raw, valid_from, None, None))
    new_entry = replace(entry, keys=tuple(keys))
    try:
        parse_node_entry(new_entry.to_json())  # the directory's own checks (windows, key ids)
    except ProtocolError as exc:
        raise SystemExit(f"the new node entry would be refused: {exc}") from exc

    target.write_bytes(encrypt_private_key(key, passphrase))
    target.chmod(0o600)
    backup = home / f"node-entry.{now.strftime('%Y%m%dT%H%M%SZ')}.json"
    backup.write_bytes(entry_file.read_bytes())
    entry_file.write_text(json.dumps(new_entry.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    print(f"new {key.alg} key {key.kid}: {target}")
    print(f"  valid from {format_time(valid_from)}; current {key.alg} key(s) retire at {format_time(retire_at)}")
    print(f"  {entry_file} updated (previous version kept as {backup.name}); give it to the governance")
    return 0


if __name__ == "__main__":
    sys.exit(main())
