"""Starting, finding and ending browser sessions, with idle and absolute expiry.

The cookie carries 256 random bits; the table keeps their SHA-256. A session ends after
`session_idle` without a request and after `session_max` in any case; then the person signs in
again. Each session has its own CSRF token, compared in constant time on every form post.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update

from crypto.tokens import random_token
from exchange.audit import services as audit
from exchange.auth.models import User
from exchange.node import Node
from exchange.web.models import WebSession

# Writing last_seen on every request would make every page view a write; a minute is precise enough.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Live:
    session: WebSession
    user: User


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def start(node: Node, user: User, method: str) -> tuple[str, WebSession]:
    """A new session for `user`; returns the cookie's token (shown to nobody else) and the row."""
    now = node.clock.now()
    token = random_token(32)
    row = WebSession(
        id=_digest(token),
        user_id=user.id,
        csrf_token=random_token(32),
        method=method,
        created_at=now,
        last_seen_at=now,
        expires_at=now + node.settings.session_max,
    )
    with node.transaction() as session:
        session.add(row)
        audit.record(session, user.id, "session.start", at=now, details={"method": method})
    return token, row


def resolve(node: Node, token: str | None) -> Live | None:
    """The live session a cookie names, or None (unknown, ended, idle too long, too old, user disabled)."""
    if not token or len(token) > 100:
        return None
    now = node.clock.now()
    with node.transaction() as session:
        row = session.get(WebSession, _digest(token))
        if row is None or row.ended_at is not None:
            return None
        user = session.get(User, row.user_id)
        if (
            user is None
            or not user.active
            or now >= row.expires_at
            or now - row.last_seen_at >= node.settings.session_idle
        ):
            if row.ended_at is None:
                row.ended_at = now
            return None
        if now - row.last_seen_at >= TOUCH_EVERY:
            row.last_seen_at = now
    return Live(row, user)


def end(node: Node, token: str | None) -> None:
    if not token:
        return
    now = node.clock.now()
    with node.transaction() as session:
        row = session.get(WebSession, _digest(token))
        if row is not None and row.ended_at is None:
            row.ended_at = now
            audit.record(session, row.user_id, "session.end", at=now)


def end_all(node: Node, user_id: str) -> int:
    """End every session of a user (their account was disabled, or they asked to)."""
    now = node.clock.now()
    with node.transaction() as session:
        result = session.execute(
            update(WebSession).where(WebSession.user_id == user_id, WebSession.ended_at.is_(None)).values(ended_at=now)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def csrf_ok(live: Live, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(live.session.csrf_token, presented or "")


def active_sessions(node: Node, user_id: str) -> list[WebSession]:
    with node.db.sessions() as session:
        return list(
            session.scalars(select(WebSession).where(WebSession.user_id == user_id, WebSession.ended_at.is_(None)))
        )
