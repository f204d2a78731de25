"""People and authorities as the API and the web pages manage them: every call checks the actor.

Node administrators manage people and authorities; nobody else changes them. Everybody signed
in may read the list of authorities (routing needs it); contact points may read who works in
them (to assign a prosecutor); node administrators and auditors read everything here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select

from exchange.audit import services as audit
from exchange.auth import services as auth
from exchange.auth.models import ApiToken, Authority, Role, User
from exchange.auth.policy import Actor, Forbidden, require_role, roles_valid
from exchange.errors import InvalidInput
from exchange.node import Node
from exchange.requests.services import PreconditionFailed


@dataclass(frozen=True)
class UserPage:
    users: list[User]
    total: int


def list_authorities(node: Node, actor: Actor, *, include_inactive: bool = False) -> list[Authority]:
    query = select(Authority).order_by(Authority.kind, Authority.name)
    if not include_inactive:
        query = query.where(Authority.active.is_(True))
    with node.db.sessions() as session:
        return list(session.scalars(query))


def create_authority(
    node: Node,
    actor: Actor,
    *,
    name: str,
    kind: str,
    jurisdiction: str | None = None,
    languages: Iterable[str] = (),
    parent_id: str | None = None,
) -> Authority:
    require_role(actor, Role.NODE_ADMIN)
    return auth.create_authority(
        node, name=name, kind=kind, jurisdiction=jurisdiction, languages=languages, parent_id=parent_id, by=actor
    )


def list_users(
    node: Node,
    actor: Actor,
    *,
    authority_id: str | None = None,
    role: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> UserPage:
    """Administrators and auditors see everyone; contact points see the prosecutors (for routing)."""
    if actor.kind != "system" and not actor.roles & {Role.NODE_ADMIN, Role.AUDITOR, Role.CONTACT_POINT}:
        raise Forbidden("your role does not allow this")
    query = select(User).where(User.active.is_(True)) if actor.roles == {Role.CONTACT_POINT} else select(User)
    if authority_id:
        query = query.where(User.authority_id == authority_id)
    with node.db.sessions() as session:
        users = list(session.scalars(query.order_by(User.username)))
    if role:
        users = [user for user in users if role in user.roles]
    if not actor.roles & {Role.NODE_ADMIN, Role.AUDITOR} and actor.kind != "system":
        users = [user for user in users if Role.PROSECUTOR in user.roles]
    return UserPage(users[offset : offset + limit], len(users))


def get_user(node: Node, actor: Actor, user_id: str) -> User:
    if actor.id != user_id:
        require_role(actor, Role.NODE_ADMIN, Role.AUDITOR)
    with node.db.sessions() as session:
        user = session.get(User, user_id)
    if user is None:
        raise Forbidden("no such user, or not yours to see")
    return user


def create_user(
    node: Node,
    actor: Actor,
    *,
    username: str,
    display_name: str,
    authority_id: str,
    roles: Iterable[str],
    language: str = "en",
    email: str | None = None,
    password: str | None = None,
) -> User:
    require_role(actor, Role.NODE_ADMIN)
    if password is not None and len(password) < 12:
        raise InvalidInput("a password is at least 12 characters")
    return auth.create_user(
        node,
        username=username,
        display_name=display_name,
        authority_id=authority_id,
        roles=roles,
        language=language,
        email=email,
        password=password,
        by=actor,
    )


def update_user(
    node: Node,
    actor: Actor,
    user_id: str,
    *,
    expected_version: int | None,
    roles: Iterable[str] | None = None,
    authority_id: str | None = None,
    active: bool | None = None,
    display_name: str | None = None,
    language: str | None = None,
) -> User:
    """Administrators change roles, authority and whether an account works; users their own
    name and language. Disabling an account ends its sessions and tokens at once."""
    own_profile_only = roles is None and authority_id is None and active is None
    if not (actor.id == user_id and own_profile_only):
        require_role(actor, Role.NODE_ADMIN)
    now = node.clock.now()
    with node.transaction() as session:
        user = session.get(User, user_id, with_for_update=True)
        if user is None:
            raise Forbidden("no such user, or not yours to see")
        if expected_version is not None and user.version != expected_version:
            raise PreconditionFailed("this user was changed by someone else since you read it; reload and try again")
        changed: list[str] = []
        if roles is not None:
            wanted = sorted(set(roles))
            if not wanted or not roles_valid(wanted):
                raise InvalidInput(f"roles are some of {', '.join(Role.ALL)}")
            if user.id == actor.id and Role.NODE_ADMIN not in wanted:
                raise InvalidInput("an administrator does not remove their own administrator role")
            user.roles, changed = wanted, [*changed, "roles"]
        if authority_id is not None:
            authority = session.get(Authority, authority_id)
            if authority is None or not authority.active:
                raise InvalidInput("no such authority")
            user.authority_id, changed = authority_id, [*changed, "authority"]
        if active is not None:
            if user.id == actor.id and not active:
                raise InvalidInput("an administrator does not disable their own account")
            user.active, changed = active, [*changed, "active"]
        if display_name is not None:
            if not display_name.strip():
                raise InvalidInput("a name cannot be empty")
            user.display_name, changed = display_name.strip()[:200], [*changed, "display_name"]
        if language is not None:
            from protocols.v1.i18n import LANGUAGES

            if language not in LANGUAGES:
                raise InvalidInput(f"languages are {', '.join(LANGUAGES)}")
            user.language, changed = language, [*changed, "language"]
        if changed:
            user.version += 1
            audit.record(
                session, actor, "user.update", at=now, object_type="user", object_id=user.id,
                details={"changed": ",".join(changed)},
            )  # fmt: skip
    return user


def list_tokens(node: Node, actor: Actor) -> list[ApiToken]:
    with node.db.sessions() as session:
        return list(
            session.scalars(select(ApiToken).where(ApiToken.user_id == actor.id).order_by(ApiToken.created_at.desc()))
        )


def count_users(node: Node) -> int:
    with node.db.sessions() as session:
        return session.scalar(select(func.count()).select_from(User)) or 0
