"""`exchange directory`: governance keys, create, sign, verify, install, show."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import click

from crypto import KeyFileError, SigningKey
from crypto.keyfile import decrypt_private_key, encrypt_private_key
from exchange.cli.common import node, passphrase, when
from exchange.clock import SystemClock
from protocols.canonical import parse_strict
from protocols.errors import DirectoryError, ProtocolError
from protocols.timefmt import format_time, truncate
from protocols.v1 import directory as d


@click.group()
def directory() -> None:
    """The federation directory: who the members are and their keys, signed k-of-n by governance."""


@directory.command("keygen")
@click.option("--holder", required=True, help="Who holds this governance key, e.g. 'Ministry of Justice BA'.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="Private key file.")
def keygen(holder: str, out: Path) -> None:
    """Create a governance key (encrypted under a passphrase) and its public file OUT.pub.json."""
    if out.exists():
        raise click.ClickException(f"{out} exists; refusing to overwrite a key")
    key = SigningKey.generate()
    out.write_bytes(encrypt_private_key(key, passphrase(confirm=True)))
    out.chmod(0o600)
    public = out.with_name(out.name + ".pub.json")
    public.write_text(
        json.dumps({"kid": key.kid, "public_key": key.public.to_text(), "holder": holder}, indent=2) + "\n"
    )
    click.echo(f"governance key {key.kid} for {holder}: private {out}, public {public}")


@directory.command("create")
@click.option("--federation", required=True, help="The federation's name, fixed for its lifetime.")
@click.option("--version", "version", type=int, required=True)
@click.option("--valid-days", type=int, default=180, show_default=True)
@click.option("--threshold", type=int, required=True, help="How many governance keys must sign a new version.")
@click.option(
    "--governance", "governance_files", multiple=True, required=True, type=click.Path(exists=True, path_type=Path)
)
@click.option("--node-entry", "node_files", multiple=True, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def create(
    federation: str,
    version: int,
    valid_days: int,
    threshold: int,
    governance_files: tuple[Path, ...],
    node_files: tuple[Path, ...],
    out: Path,
) -> None:
    """Write an unsigned directory from governance public keys and node entries."""
    try:
        keys = [d.parse_governance_key(parse_strict(path.read_bytes())) for path in governance_files]
        nodes = [d.parse_node_entry(parse_strict(path.read_bytes())) for path in node_files]
    except ProtocolError as exc:
        raise click.ClickException(f"refused: {exc.message}") from exc
    issued = truncate(SystemClock().now())
    document = d.unsigned_document(
        federation=federation,
        version=version,
        issued=issued,
        expires=issued + timedelta(days=valid_days),
        governance=d.Governance(threshold, tuple(keys)),
        nodes=nodes,
    )
    out.write_bytes(d.add_signatures(document, []))
    click.echo(
        f"unsigned directory v{version} with {len(nodes)} node(s) written to {out}; now collect {threshold} signatures"
    )


@directory.command("sign")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--key", "key_file", required=True, type=click.Path(exists=True, path_type=Path))
def sign(file: Path, key_file: Path) -> None:
    """Add the signature of one governance key to FILE (in place)."""
    try:
        key = decrypt_private_key(key_file.read_bytes(), passphrase())
    except KeyFileError as exc:
        raise click.ClickException(f"cannot read {key_file}: {exc}") from exc
    if not isinstance(key, SigningKey):
        raise click.ClickException("a governance key is an ed25519 key")
    document = parse_strict(file.read_bytes())
    file.write_bytes(d.add_signatures(document, [key]))
    click.echo(f"signed {file} with {key.kid}")


@directory.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--trusted", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="The version you trust now."
)
def verify(file: Path, trusted: Path | None) -> None:
    """Check FILE: its own governance threshold, or (with --trusted) whether it may replace that version."""
    now = SystemClock().now()
    try:
        candidate = d.parse_directory(file.read_bytes())
        if trusted is None:
            result = d.verify_anchor(candidate, now)
        else:
            result = d.check_update(d.parse_directory(trusted.read_bytes()), candidate, now)
    except DirectoryError as exc:
        raise click.ClickException(f"refused: {exc.reason}: {exc.message}") from exc
    click.echo(
        f"{candidate.federation} v{candidate.version}: {result.describe()}; expires {format_time(candidate.expires)}"
    )


@directory.command("install")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def install(file: Path) -> None:
    """Install FILE: as the trust anchor on a new node, otherwise as an update (checked k-of-n)."""
    current = node()
    raw = file.read_bytes()
    try:
        if current.directory.current_or_none() is None:
            installed = current.directory.install_anchor(raw, source="operator")
        else:
            installed = current.directory.offer(raw, source="operator")
    except DirectoryError as exc:
        raise click.ClickException(f"refused: {exc.reason}: {exc.message}") from exc
    click.echo(f"installed directory {installed.federation} v{installed.version}")


@directory.command("show")
def show() -> None:
    """The trusted directory: members, endpoints, keys and their windows, recent adoption events."""
    current = node()
    trusted = current.directory.current()
    now = SystemClock().now()
    state = "EXPIRED" if trusted.is_expired(now) else f"expires {when(trusted.expires)}"
    click.echo(f"{trusted.federation} v{trusted.version}, {state}")
    click.echo(f"governance {trusted.governance.threshold} of {len(trusted.governance.keys)}:")
    for governance_key in trusted.governance.keys:
        click.echo(f"  {governance_key.kid}  {governance_key.holder}")
    for entry in trusted.nodes:
        click.echo(f"{entry.id:6} {entry.name} <{entry.endpoint}> {','.join(entry.protocols)}")
        for key in entry.keys:
            status = key.problem_at(now) or "valid"
            click.echo(f"         {key.kid:40} {status} from {when(key.valid_from)} until {when(key.valid_until)}")
    click.echo("recent directory events:")
    for event in current.directory.events(10):
        reason = f" ({event.reason})" if event.reason else ""
        click.echo(f"  {when(event.at)} v{event.version} from {event.source}: {event.outcome}{reason}")


COMMANDS = [directory]
