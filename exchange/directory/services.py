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

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from exchange.clock import Clock
from exchange.db import Database
from exchange.directory.models import DirectoryEvent, DirectoryVersion
from exchange.errors import ConfigurationError
from protocols.errors import DirectoryError, Reason
from protocols.v1.directory import Directory, check_update, parse_directory, verify_anchor

log = logging.getLogger(__name__)

ADOPTED = "adopted"
REFUSED = "refused"


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
        with self._db.sessions() as session:
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
        now = self._clock.now()
        if self.current_or_none() is not None:
            raise ConfigurationError("a directory is already installed; newer versions go through `offer`")
        try:
            candidate = parse_directory(raw)
            verify_anchor(candidate, now)
        except DirectoryError as exc:
            self._record(source, None, REFUSED, exc.reason, exc.message)
            raise
        self._store(candidate, source)
        return candidate

    def offer(self, raw: bytes, *, source: str) -> Directory:
        """Adopt `raw` if it may replace the trusted version; raise DirectoryError (recorded) if not."""
        now = self._clock.now()
        current = self.current()
        version = None
        try:
            candidate = parse_directory(raw)
            version = candidate.version
            check_update(current, candidate, now)
        except DirectoryError as exc:
            log.warning("refused directory v%s from %s: %s (%s)", version, source, exc.reason, exc.message)
            self._record(source, version, REFUSED, exc.reason, exc.message)
            raise
        self._store(candidate, source)
        log.info("adopted directory v%s from %s", candidate.version, source)
        return candidate

    def _store(self, directory: Directory, source: str) -> None:
        now = self._clock.now()
        try:
            with self._db.session() as session:
                session.add(
                    DirectoryVersion(
                        version=directory.version,
                        federation=directory.federation,
                        raw=directory.raw,
                        installed_at=now,
                        source=source,
                    )
                )
                session.add(DirectoryEvent(at=now, source=source, version=directory.version, outcome=ADOPTED))
        except IntegrityError as exc:
            # Another process adopted the same version first: a rollback to an equal version.
            raise DirectoryError(Reason.DIRECTORY_ROLLBACK, "this version is already installed") from exc
        with self._lock:
            self._cached, self._checked_at = directory, time.monotonic()

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
