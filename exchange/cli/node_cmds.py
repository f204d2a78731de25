"""Commands that create and run a node: init, serve, worker, db."""

from __future__ import annotations

from pathlib import Path

import click

from exchange.cli.common import passphrase, settings
from exchange.clock import SystemClock
from exchange.identity import SIGNING_FILE
from exchange.setup import NODE_ENTRY_FILE, init_node_home


@click.command()
@click.option("--node", "node_id", required=True, help="This node's id in the federation, e.g. BA.")
@click.option("--endpoint", required=True, help="The URL peers use to reach this node, e.g. https://mla.pravosudje.ba")
@click.option("--name", default=None, help="Display name (default: the node id).")
@click.option(
    "--country", default=None, help="ISO 3166 alpha-2 code, XK for Kosovo (default: first two letters of the id)."
)
@click.option("--languages", default="en", show_default=True, help="Comma-separated BCP 47 tags, e.g. bs,hr,sr-Cyrl.")
@click.option(
    "--bind",
    default=None,
    help="Address to listen on (default: the endpoint on loopback, else 127.0.0.1:8000 behind a TLS proxy).",
)
@click.option("--database-url", default=None, help="Default: SQLite in the node folder (the embedded mode).")
@click.option("--redis-url", default=None, help="Set for production (rq workers); leave out for the embedded mode.")
def init(
    node_id: str,
    endpoint: str,
    name: str | None,
    country: str | None,
    languages: str,
    bind: str | None,
    database_url: str | None,
    redis_url: str | None,
) -> None:
    """Create a node: keys encrypted under a passphrase, exchange.env, and the public node entry.

    The passphrase comes from $EXCHANGE_KEY_PASSPHRASE or a prompt and is not stored. Give
    node-entry.json to the federation's governance so they can list the node in the directory.
    """
    import os

    home = Path(os.environ.get("EXCHANGE_HOME", ".")).resolve()
    extra = {"EXCHANGE_BIND": bind} if bind else {}
    if database_url:
        extra["EXCHANGE_DATABASE_URL"] = database_url
    if redis_url:
        extra["EXCHANGE_REDIS_URL"] = redis_url
    if (home / "keys" / SIGNING_FILE).exists():
        raise click.ClickException(f"{home / 'keys'} already holds keys; a node is initialised once")
    created = init_node_home(
        home,
        node_id=node_id,
        endpoint=endpoint,
        passphrase=passphrase(confirm=True),
        now=SystemClock().now(),
        name=name,
        country=country,
        languages=tuple(tag.strip() for tag in languages.split(",") if tag.strip()),
        settings=extra,
    )
    signing, encryption = created.signing, created.encryption
    click.echo(f"Node {node_id} initialised in {home}")
    click.echo(f"  signing key    {signing.kid}")
    click.echo(f"  encryption key {encryption.kid}")
    click.echo(f"  public entry   {home / NODE_ENTRY_FILE} (send it to the federation governance)")


@click.command()
@click.option("--bind", default=None, help="host:port (default: EXCHANGE_BIND).")
@click.option("--workers", type=int, default=None, help="Web processes (production mode only; default 2).")
def serve(bind: str | None, workers: int | None) -> None:
    """Run the node's web process (gunicorn). Embedded mode also runs delivery and the sweeper here."""
    from exchange import migrate
    from exchange.db import make_engine
    from exchange.server import serve as run

    current = settings()
    if current.embedded:
        engine = make_engine(current.database_url)
        migrate.upgrade(engine)
        engine.dispose()
    run(current, bind=bind, workers=workers)


@click.command()
@click.option("--burst", is_flag=True, help="Stop when the queue is empty (for scripts and tests).")
@click.option("--no-sweeper", is_flag=True, help="Do not run the sweeper and heartbeat in this process.")
def worker(burst: bool, no_sweeper: bool) -> None:
    """Run an rq worker for this node's jobs (production mode), with the sweeper beside it."""
    from rq import SimpleWorker

    from exchange import app_runner, create_app
    from exchange.federation.sweeper import Background
    from exchange.jobs import RqQueue

    current = settings()
    if current.embedded:
        raise click.ClickException(
            "EXCHANGE_REDIS_URL is not set: in the embedded mode `exchange serve` runs the jobs itself"
        )
    app = create_app(current)
    built = app.extensions["exchange.node"]
    queue = built.queue
    assert isinstance(queue, RqQueue)
    with app.app_context():
        if not no_sweeper:
            Background(built, app_runner(app)).start()
        # SimpleWorker runs jobs in this process: jobs are short, idempotent and recorded in the
        # database, and forking a horse per job would cost more than the job (see docs/adr).
        rq_worker = SimpleWorker([queue.queue], connection=queue.connection)
        # rq logs several lines per job at INFO; our own job logs say what matters.
        rq_level = "DEBUG" if current.log_level.upper() == "DEBUG" else "WARNING"
        rq_worker.work(burst=burst, logging_level=rq_level, with_scheduler=False)


@click.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations (run before starting a new release in production)."""
    from exchange import migrate
    from exchange.db import make_engine

    engine = make_engine(settings().database_url)
    migrate.upgrade(engine)
    engine.dispose()
    click.echo("database is at the latest revision")


@db.command("check")
def db_check() -> None:
    """Fail if the models and the migrations disagree (a migration is missing)."""
    from alembic import command
    from alembic.util.exc import CommandError

    from exchange.migrate import alembic_config

    try:
        command.check(alembic_config(settings().database_url))
    except CommandError as exc:
        raise click.ClickException(str(exc)) from exc


COMMANDS = [init, serve, worker, db]
