"""Authorities, users, passwords and API tokens: creating them and checking credentials.

Login failures are counted per account; after `MAX_FAILURES` the account is locked for
`LOCKOUT`, which stops online guessing without letting anyone lock an account for good. An
unknown username costs the same time as a wrong password and gets the same answer, so the login
form does not tell which accounts exist. API tokens are 256 random bits shown once; only their
SHA-256 is stored, so a copy of the database gives no working token.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from crypto import passwords
from crypto.tokens import random_token
from exchange.audit import services as audit
from exchange.auth.models import ApiToken, Authority, AuthorityKind, Role, User
from exchange.auth.policy import Actor, roles_valid
from exchange.errors import Conflict, ExchangeError, InvalidInput
from exchange.node import Node

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
TOKEN_PREFIX = "mlx_"  # noqa: S105 - a public marker that makes leaked tokens easy to scan for
TOKEN_LIFETIME = timedelta(days=90)


class LoginFailed(ExchangeError):
    """The one answer to every failed login: wrong name, wrong password, locked or disabled."""

    status = 401
    code = "login_failed"

    def __init__(self) -> None:
        super().__init__("the username or password is not right, or the account is locked for now")


def create_authority(
    node: Node,
    *,
    name: str,
    kind: str,
    jurisdiction: str | None = None,
    languages: Iterable[str] = (),
    parent_id: str | None = None,
    by: Actor | None = None,
) -> Authority:
    """Create an authority; `by` is who did it, for the audit trail (the node itself if None)."""
    if kind not in AuthorityKind.ALL:
        raise InvalidInput(f"an authority is one of {', '.join(AuthorityKind.ALL)}")
    if not name.strip():
        raise InvalidInput("an authority needs a name")
    with node.transaction() as session:
        if parent_id is not None and session.get(Authority, parent_id) is None:
            raise InvalidInput("the parent authority does not exist")
        authority = Authority(
            id=str(uuid.uuid4()),
            name=name.strip()[:300],
            kind=kind,
            jurisdiction=jurisdiction,
            parent_id=parent_id,
            languages=list(languages),
            active=True,
        )
        session.add(authority)
        audit.record(
            session, by or Actor.system(), "authority.create", at=node.clock.now(), object_type="authority",
            object_id=authority.id,
        )  # fmt: skip
    return authority


def create_user(
    node: Node,
    *,
    username: str,
    display_name: str,
    authority_id: str,
    roles: Iterable[str],
    language: str = "en",
    email: str | None = None,
    password: str | None = None,
    oidc_issuer: str | None = None,
    oidc_subject: str | None = None,
    by: Actor | None = None,
) -> User:
    """Create a user; `by` is who did it, for the audit trail (the node itself if None)."""
    roles = sorted(set(roles))
    if not roles or not roles_valid(roles):
        raise InvalidInput(f"roles are some of {', '.join(Role.ALL)}")
    username = username.strip().lower()
    if not username or len(username) > 120:
        raise InvalidInput("a username is 1 to 120 characters")
    now = node.clock.now()
    with node.transaction() as session:
        if session.get(Authority, authority_id) is None:
            raise InvalidInput("no such authority")
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            raise Conflict("that username is taken")
        user = User(
            id=str(uuid.uuid4()),
            username=username,
            display_name=display_name.strip()[:200] or username,
            email=email.strip().lower() if email else None,
            authority_id=authority_id,
            roles=roles,
            language=language,
            active=True,
            password_hash=passwords.hash_password(password) if password else None,
            oidc_issuer=oidc_issuer,
            oidc_subject=oidc_subject,
            failed_logins=0,
            created_at=now,
            version=1,
        )
        session.add(user)
        audit.record(
            session, by or Actor.system(), "user.create", at=now, object_type="user", object_id=user.id,
            details={"roles": ",".join(roles)},
        )  # fmt: skip
    return user


def actor_of(node: Node, user: User) -> Actor:
    with node.db.sessions() as session:
        authority = session.get(Authority, user.authority_id)
    return Actor(
        id=user.id,
        roles=frozenset(user.roles),
        authority_id=user.authority_id,
        name=user.display_name,
        authority_name=authority.name if authority else "",
    )


def user_by_id(node: Node, user_id: str) -> User | None:
    with node.db.sessions() as session:
        user = session.get(User, user_id)
    return user if user is not None and user.active else None


# -- passwords -----------------------------------------------------------------------------------


def authenticate(node: Node, username: str, password: str) -> User:
    """The user, if the password is right and the account usable; LoginFailed otherwise."""
    now = node.clock.now()
    with node.transaction() as session:
        user = session.scalar(select(User).where(User.username == username.strip().lower()).with_for_update())
        if user is None or user.password_hash is None or not user.active:
            passwords.burn_time(password)
            # Not the typed name itself: people type their password into the name field too.
            typed = hashlib.sha256(username.strip().lower().encode("utf-8")).hexdigest()[:12]
            audit.record(session, f"login:unknown:{typed}", "login", at=now, outcome="refused")
            ok = False
        elif user.locked_until is not None and user.locked_until > now:
            passwords.burn_time(password)
            audit.record(session, user.id, "login", at=now, outcome="locked", object_type="user", object_id=user.id)
            ok = False
        elif not passwords.verify_password(user.password_hash, password):
            user.failed_logins += 1
            if user.failed_logins >= MAX_FAILURES:
                user.locked_until, user.failed_logins = now + LOCKOUT, 0
            audit.record(session, user.id, "login", at=now, outcome="refused", object_type="user", object_id=user.id)
            ok = False
        else:
            user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
            audit.record(session, user.id, "login", at=now, object_type="user", object_id=user.id)
            ok = True
    if not ok:
        raise LoginFailed
    assert user is not None
    return user


def set_password(node: Node, user_id: str, password: str) -> None:
    if len(password) < 12:
        raise InvalidInput("a password is at least 12 characters")
    with node.transaction() as session:
        user = session.get(User, user_id)
        if user is None:
            raise InvalidInput("no such user")
        user.password_hash = passwords.hash_password(password)
        user.failed_logins, user.locked_until = 0, None
        user.version += 1
        audit.record(
            session, Actor.system(), "user.password", at=node.clock.now(), object_type="user", object_id=user.id
        )


# -- API tokens ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once, never stored


def _token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii", "replace")).hexdigest()


def create_token(node: Node, user_id: str, name: str, *, lifetime: timedelta = TOKEN_LIFETIME) -> IssuedToken:
    now = node.clock.now()
    secret = TOKEN_PREFIX + random_token(32)
    with node.transaction() as session:
        user = session.get(User, user_id)
        if user is None or not user.active:
            raise InvalidInput("no such user")
        token = ApiToken(
            id=str(uuid.uuid4()),
            user_id=user.id,
            name=name.strip()[:120] or "token",
            token_hash=_token_hash(secret),
            prefix=secret[:12],
            created_at=now,
            expires_at=now + lifetime,
        )
        session.add(token)
        audit.record(session, user.id, "token.create", at=now, object_type="token", object_id=token.id)
    return IssuedToken(token, secret)


def resolve_token(node: Node, secret: str) -> User | None:
    """The active user a presented token belongs to, if it is valid now."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    digest = _token_hash(secret)
    now = node.clock.now()
    with node.transaction() as session:
        token = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
        # The lookup is by hash; comparing again in constant time costs nothing and guards a
        # database collation that would match more loosely than bytes.
        if token is None or not hmac.compare_digest(token.token_hash, digest):
            return None
        if token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= now):
            return None
        user = session.get(User, token.user_id)
        if user is None or not user.active:
            return None
        if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
            token.last_used_at = now
    return user


def revoke_token(node: Node, actor: Actor, token_id: str) -> None:
    now = node.clock.now()
    with node.transaction() as session:
        token = session.get(ApiToken, token_id)
        if token is None or (token.user_id != actor.id and not actor.has(Role.NODE_ADMIN)):
            raise InvalidInput("no such token")
        if token.revoked_at is None:
            token.revoked_at = now
            audit.record(session, actor, "token.revoke", at=now, object_type="token", object_id=token.id)
