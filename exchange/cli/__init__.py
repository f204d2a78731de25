"""`exchange`: the node's command line (init, serve, worker, directory, send, outbox, verify, people, demo)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from exchange.cli import directory_cmds, message_cmds, node_cmds, people_cmds, verify_cmd


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="EXCHANGE_HOME",
    help="The node's folder (keys, exchange.env, embedded database). Default: $EXCHANGE_HOME or '.'",
)
@click.pass_context
def cli(ctx: click.Context, home: Path | None) -> None:
    """A node of the mla-exchange federation: signed, end-to-end encrypted MLA messaging."""
    if home is not None:
        os.environ["EXCHANGE_HOME"] = str(home.expanduser().resolve())
    ctx.ensure_object(dict)


for module in (node_cmds, directory_cmds, message_cmds, people_cmds, verify_cmd):
    for command in module.COMMANDS:
        cli.add_command(command)


@cli.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("demo-output"), show_default=True)
@click.option("--keep", is_flag=True, help="Leave the nodes running and print their URLs.")
@click.option("--base-port", type=int, default=8701, show_default=True)
def demo(out: Path, keep: bool, base_port: int) -> None:
    """Three nodes (BA, RS, HR) on loopback exchange signed, encrypted messages; one goes down and back."""
    from exchange.demo.run import run_demo

    sys.exit(run_demo(out, keep=keep, base_port=base_port))


def main() -> None:
    from sqlalchemy.exc import OperationalError

    try:
        cli(prog_name="exchange")
    except OperationalError as exc:
        # The database is missing or unreachable: say so in one line (the URL may hold a password).
        reason = str(exc.orig).splitlines()[0] if exc.orig is not None else "unreachable"
        click.echo(f"Error: cannot use the node's database: {reason}", err=True)
        sys.exit(1)
