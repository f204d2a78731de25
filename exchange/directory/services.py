"""The directory this node trusts: installing the anchor, adopting newer versions, serving lookups.

The trusted directory is the highest stored version. Every process (web, workers, CLI) reads it
from the database and re-checks the stored version number every few seconds, so a version
adopted by one process is used by all of them soon after. Every offer, adopted or refused, is
recorded with its source and reason, because a refused directory may be an attack in progress.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from exchange.clock import Clock
from exchange.db import Database
from exchange.directory.models import DirectoryEvent, DirectoryVersion
from exchange.errors import ConfigurationError
from protocols.errors import DirectoryError, Reason
from protocols.v1.directory import Directory, check_update, parse_directory, verify_anchor

log = logging.getLogger(__name__)

ADOPTED = "adopted"
REFUSED = "refused"
# PostgreSQL advisory lock held while a directory version is checked and stored ("MLAXDIR\0").
ADOPTION_LOCK = 0x4D4C4158_44495200


class DirectoryStore:
    """Cached access to the trusted directory, and the only way to change it."""

    def __init__(self, db: Database, clock: Clock, recheck_seconds: float = 2.0) -> None:
        self._db = db
        self._clock = clock
        self._recheck = recheck_seconds
        self._lock = threading.Lock()
        self._cached: Directory | None = None
        self._checked_at = 0.0

    # -- reading ---------------------------------------------------------------------------

    def current(self, *, fresh: bool = False) -> Directory:
        """The trusted directory; ConfigurationError if none was installed."""
        directory = self.current_or_none(fresh=fresh)
        if directory is None:
            raise ConfigurationError("no federation directory installed (run `exchange directory install`)")
        return directory

    def current_or_none(self, *, fresh: bool = False) -> Directory | None:
        """The trusted directory; `fresh` skips the few seconds of caching (when serving it to peers)."""
        with self._lock:
            if not fresh and self._cached is not None and time.monotonic() - self._checked_at < self._recheck:
                return self._cached
        with self._db.reading() as session:
            newest = session.scalar(select(func.max(DirectoryVersion.version)))
            if newest is None:
                return None
            with self._lock:
                if self._cached is not None and self._cached.version == newest:
                    self._checked_at = time.monotonic()
                    return self._cached
            raw = session.scalar(select(DirectoryVersion.raw).where(DirectoryVersion.version == newest))
        assert raw is not None
        # Stored bytes were verified when adopted; parsing again guards against a damaged row.
        directory = parse_directory(raw)
        with self._lock:
            self._cached, self._checked_at = directory, time.monotonic()
        return directory

    def version(self) -> int | None:
        directory = self.current_or_none()
        return None if directory is None else directory.version

    # -- changing --------------------------------------------------------------------------

    def install_anchor(self, raw: bytes, *, source: str = "anchor") -> Directory:
        """Install the first directory, obtained out of band; refuses if one is already trusted."""
        return self._adopt(raw, source, anchor=True)

    def offer(self, raw: bytes, *, source: str) -> Directory:
        """Adopt `raw` if it may replace the trusted version; raise DirectoryError (recorded) if not."""
        return self._adopt(raw, source, anchor=False)

    def _adopt(self, raw: bytes, source: str, *, anchor: bool) -> Directory:
        """Check and store under one lock, against the trusted version read inside it.

        Without the lock two processes could each check a candidate against the version they
        had cached and both store: a version signed only by rotated-out governance keys could
        then replace the rotation it should have been refused by.
        """
        now = self._clock.now()
        version = None
        try:
            candidate = parse_directory(raw)
            version = candidate.version
            with self._db.session() as session:
                self._lock_adoption(session)
                current = self._trusted(session)
                if anchor:
                    if current is not None:
                        raise ConfigurationError("a directory is already installed; newer versions go through `offer`")
                    verify_anchor(candidate, now)
                else:
                    if current is None:
                        raise ConfigurationError("no federation directory installed (run `exchange directory install`)")
                    check_update(current, candidate, now)
                session.add(
                    DirectoryVersion(
                        version=candidate.version,
                        federation=candidate.federation,
                        raw=candidate.raw,
                        installed_at=now,
                        source=source,
                    )
                )
                session.add(DirectoryEvent(at=now, source=source, version=candidate.version, outcome=ADOPTED))
        except DirectoryError as exc:
            log.warning("refused directory v%s from %s: %s (%s)", version, source, exc.reason, exc.message)
            self._record(source, version, REFUSED, exc.reason, exc.message)
            raise
        log.info("adopted directory v%s from %s", candidate.version, source)
        with self._lock:
            self._cached, self._checked_at = candidate, time.monotonic()
        return candidate

    def _lock_adoption(self, session: Session) -> None:
        # SQLite: the transaction already began with BEGIN IMMEDIATE and holds the write lock.
        if not self._db.is_sqlite:
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADOPTION_LOCK})

    def _trusted(self, session: Session) -> Directory | None:
        raw = session.scalar(select(DirectoryVersion.raw).order_by(DirectoryVersion.version.desc()).limit(1))
        return None if raw is None else parse_directory(raw)

    def _record(self, source: str, version: int | None, outcome: str, reason: Reason, detail: str) -> None:
        with self._db.session() as session:
            session.add(
                DirectoryEvent(
                    at=self._clock.now(),
                    source=source,
                    version=version,
                    outcome=outcome,
                    reason=str(reason),
                    detail=detail,
                )
            )

    def events(self, limit: int = 20) -> list[DirectoryEvent]:
        with self._db.sessions() as session:
            rows = session.scalars(select(DirectoryEvent).order_by(DirectoryEvent.id.desc()).limit(limit))
            return list(rows)
