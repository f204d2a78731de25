"""Rate limits on signing in: a fixed window per client address, shared by all web processes.

Account lockout (exchange.auth.services) stops guessing one account's password; this stops one
address from trying many accounts, and keeps the argon2id work a login costs from becoming a
way to exhaust the node. Production nodes count in Redis, so every web process sees the same
counts; an embedded node has one process and counts in memory.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from flask import Flask

from exchange.node import Node

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60


class Throttle:
    def __init__(self, limit: int, *, redis_url: str | None, now: Callable[[], float] = time.time) -> None:
        self.limit = limit
        self._now = now
        self._redis = None
        if redis_url:
            from redis import Redis

            self._redis = Redis.from_url(redis_url)
        self._counts: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def hit(self, scope: str, key: str) -> bool:
        """Count one attempt; True while the key is within its limit for the current window."""
        window = int(self._now()) // WINDOW_SECONDS
        name = f"mlx:throttle:{scope}:{key}:{window}"
        if self._redis is not None:
            try:
                with self._redis.pipeline() as pipe:
                    pipe.incr(name)
                    pipe.expire(name, WINDOW_SECONDS * 2)
                    count = int(pipe.execute()[0])
                return count <= self.limit
            except Exception:  # noqa: BLE001 - Redis down: fall back to this process's own count
                log.warning("login throttle: Redis unavailable, counting in this process")
        with self._lock:
            stored_window, count = self._counts.get(f"{scope}:{key}", (window, 0))
            count = count + 1 if stored_window == window else 1
            self._counts[f"{scope}:{key}"] = (window, count)
            if len(self._counts) > 100_000:
                self._counts = {k: v for k, v in self._counts.items() if v[0] == window}
        return count <= self.limit


def for_app(app: Flask) -> Throttle:
    """The app's login throttle, created with it (one per process; shared through Redis)."""
    found: Throttle = app.extensions["exchange.login_throttle"]
    return found


def install(app: Flask, node: Node) -> None:
    app.extensions["exchange.login_throttle"] = Throttle(
        node.settings.login_attempts_per_minute,
        redis_url=node.settings.redis_url,
        now=lambda: node.clock.now().timestamp(),
    )
