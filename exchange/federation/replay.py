"""The receiver's memory of HTTP signature nonces (DESIGN property 7, at the HTTP layer).

Nonces live in the database rather than only in Redis: a wiped Redis must not reopen the window
in which a captured request could be replayed. A nonce is kept until the signature carrying it
has expired (plus the tolerated clock skew); the sweeper removes older ones.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from exchange.db import Database
from exchange.federation.models import SeenNonce
from protocols.v1.httpsig import CLOCK_SKEW


def remember_nonce(db: Database, key_id: str, nonce: str, expires_at: datetime) -> bool:
    """Record a nonce; False when this key already used it (a replay)."""
    try:
        with db.session() as session:
            session.add(SeenNonce(key_id=key_id, nonce=nonce, expires_at=expires_at + CLOCK_SKEW))
    except IntegrityError:
        return False
    return True


def forget_expired_nonces(db: Database, now: datetime) -> int:
    with db.session() as session:
        result = session.execute(delete(SeenNonce).where(SeenNonce.expires_at < now))
        return int(getattr(result, "rowcount", 0) or 0)
