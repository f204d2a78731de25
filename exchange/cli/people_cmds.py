"""`exchange authority|user|token|storage-key`: the operator's commands for people and secrets.

Whoever runs these holds the node's keys and database: they act as the node's administrator, and
every change is written to the audit trail as done by "cli". Case work is not done from here:
it goes through the API or the web pages, where roles and four eyes apply.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click

from crypto.keyfile import encrypt_private_key
from crypto.storage import StorageKey
from exchange.auth import services as auth
from exchange.auth.models import ApiToken, Authority, AuthorityKind, Role, User
from exchange.auth.policy import Actor
from exchange.cli.common import node, passphrase, settings, when
from exchange.errors import ExchangeError
from exchange.identity import STORAGE_FILE
from exchange.node import Node
from protocols.text import printable

CLI = Actor.system("cli")


def _fail(exc: ExchangeError) -> click.ClickException:
    return click.ClickException(str(exc))


def _authority(current: Node, ref: str) -> Authority:
    """An authority by id, or by its exact name."""
    from sqlalchemy import or_, select

    with current.db.sessions() as session:
        found = list(session.scalars(select(Authority).where(or_(Authority.id == ref, Authority.name == ref))))
    if len(found) != 1:
        raise click.ClickException(f"no single authority is {ref!r}; see `exchange authority list`")
    return found[0]


def _user(current: Node, username: str) -> User:
    from sqlalchemy import select

    with current.db.sessions() as session:
        user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise click.ClickException(f"no user {username!r}; see `exchange user list`")
    return user


@click.group()
def authority() -> None:
    """The offices of this node: the central authority, prosecutors' offices, courts."""


@authority.command("add")
@click.option("--name", required=True)
@click.option("--kind", type=click.Choice(AuthorityKind.ALL), required=True)
@click.option("--jurisdiction", default=None, help="Whose law governs it, e.g. state, federation, brcko.")
@click.option("--language", "languages", multiple=True, help="A working language (repeat).")
@click.option("--parent", default=None, help="Id or name of the authority it belongs to.")
def authority_add(
    name: str, kind: str, jurisdiction: str | None, languages: tuple[str, ...], parent: str | None
) -> None:
    current = node()
    parent_id = _authority(current, parent).id if parent else None
    try:
        created = auth.create_authority(
            current, name=name, kind=kind, jurisdiction=jurisdiction, languages=languages, parent_id=parent_id, by=CLI
        )
    except ExchangeError as exc:
        raise _fail(exc) from exc
    click.echo(f"{created.id}  {printable(created.name)}")


@authority.command("list")
def authority_list() -> None:
    from sqlalchemy import select

    with node().db.sessions() as session:
        for item in session.scalars(select(Authority).order_by(Authority.kind, Authority.name)):
            state = "" if item.active else "  (inactive)"
            click.echo(f"{item.id}  {item.kind:18} {printable(item.name)}{state}")


@click.group()
def user() -> None:
    """The people who use this node, their authority and roles."""


@user.command("add")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="Full name, as it appears on approvals.")
@click.option("--authority", "authority_ref", required=True, help="Id or exact name of their authority.")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(Role.ALL), help="Repeat for several.")
@click.option("--language", default="en", show_default=True)
@click.option("--email", default=None)
@click.option("--password", "with_password", is_flag=True, help="Ask for a local password (embedded nodes).")
def user_add(
    username: str,
    display_name: str,
    authority_ref: str,
    roles: tuple[str, ...],
    language: str,
    email: str | None,
    with_password: bool,
) -> None:
    """Add a user; without --password they sign in through the national identity provider."""
    current = node()
    password = click.prompt("Password", hide_input=True, confirmation_prompt=True) if with_password else None
    if password is not None and len(password) < 12:
        raise click.ClickException("a password is at least 12 characters")
    try:
        created = auth.create_user(
            current,
            username=username,
            display_name=display_name,
            authority_id=_authority(current, authority_ref).id,
            roles=roles,
            language=language,
            email=email,
            password=password,
            by=CLI,
        )
    except ExchangeError as exc:
        raise _fail(exc) from exc
    click.echo(f"{created.id}  {created.username}  {','.join(created.roles)}")


@user.command("list")
def user_list() -> None:
    from sqlalchemy import select

    with node().db.sessions() as session:
        for item in session.scalars(select(User).order_by(User.username)):
            state = "" if item.active else "  (disabled)"
            click.echo(f"{item.username:28} {','.join(item.roles):28} {printable(item.display_name)}{state}")


@user.command("password")
@click.argument("username")
def user_password(username: str) -> None:
    """Set a user's local password (asked twice, never echoed)."""
    current = node()
    target = _user(current, username)
    password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    try:
        auth.set_password(current, target.id, password)
    except ExchangeError as exc:
        raise _fail(exc) from exc
    click.echo(f"password set for {target.username}")


@click.group()
def token() -> None:
    """Personal API tokens for scripts (shown once; only their hash is kept)."""


@token.command("create")
@click.argument("username")
@click.option("--name", default="script", show_default=True, help="What the token is for.")
@click.option("--days", type=click.IntRange(1, 366), default=90, show_default=True)
def token_create(username: str, name: str, days: int) -> None:
    """Create a token for USERNAME and print it once: store it where your script reads secrets."""
    current = node()
    target = _user(current, username)
    try:
        issued = auth.create_token(current, target.id, name, lifetime=timedelta(days=days))
    except ExchangeError as exc:
        raise _fail(exc) from exc
    click.echo(issued.secret)
    click.echo(
        f"token {issued.token.id} for {target.username}, valid until {when(issued.token.expires_at)}; "
        "it is not shown again",
        err=True,
    )


@token.command("list")
@click.argument("username")
def token_list(username: str) -> None:
    from sqlalchemy import select

    current = node()
    target = _user(current, username)
    with current.db.sessions() as session:
        for item in session.scalars(select(ApiToken).where(ApiToken.user_id == target.id)):
            state = "revoked" if item.revoked_at else f"expires {when(item.expires_at)}"
            click.echo(
                f"{item.id}  {item.prefix}…  {printable(item.name):20} {state}; last used {when(item.last_used_at)}"
            )


@token.command("revoke")
@click.argument("token_id")
def token_revoke(token_id: str) -> None:
    try:
        auth.revoke_token(node(), Actor(id="cli", roles=frozenset({Role.NODE_ADMIN}), kind="system"), token_id)
    except ExchangeError as exc:
        raise _fail(exc) from exc
    click.echo(f"revoked {token_id}")


@click.group("storage-key")
def storage_key() -> None:
    """The key that seals case content at rest."""


@storage_key.command("rotate")
def storage_key_rotate() -> None:
    """Make a new storage key for new records; the old one is kept (renamed) to read older ones.

    Also creates the first storage key of a node set up before case content was sealed.
    """
    keys = settings().keys_dir
    current = keys / STORAGE_FILE
    secret = passphrase()
    if current.exists():
        retired = keys / f"storage-{datetime.now(UTC):%Y%m%dT%H%M%S}.key"
        current.rename(retired)
        click.echo(f"kept the previous key as {retired.name}")
    fresh = StorageKey.generate()
    current.write_bytes(encrypt_private_key(fresh, secret))
    current.chmod(0o600)
    click.echo(f"new storage key {fresh.kid} in {current}; restart the node's processes to use it")


COMMANDS = [authority, user, token, storage_key]
