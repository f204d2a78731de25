"""`exchange verify`: check saved envelopes and receipts offline against a directory file."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from protocols.v1.offline import verify_artifacts


@click.command()
@click.option(
    "--directory", "directory_file", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--envelope", "envelope_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--receipt", "receipt_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--open-with",
    "key_home",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The recipient node's folder: also open the content and check the inner signature.",
)
def verify(directory_file: Path, envelope_file: Path | None, receipt_file: Path | None, key_home: Path | None) -> None:
    """Say who sent what to whom and when, and whether every signature holds (exit 1 if not)."""
    if envelope_file is None and receipt_file is None:
        raise click.UsageError("give --envelope, --receipt or both")
    keys = {}
    if key_home is not None:
        from exchange.config import Settings
        from exchange.identity import load_identity

        os.environ["EXCHANGE_HOME"] = str(key_home.resolve())
        keys = dict(load_identity(Settings.from_env()).encryption_keys)
    report = verify_artifacts(
        directory_file.read_bytes(),
        envelope_raw=None if envelope_file is None else envelope_file.read_bytes(),
        receipt_raw=None if receipt_file is None else receipt_file.read_bytes(),
        keys=keys,
    )
    click.echo(report.text())
    sys.exit(0 if report.ok else 1)


COMMANDS = [verify]
