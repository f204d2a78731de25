"""Background jobs: rq on Redis in production, an in-process dispatcher in the embedded default.

Both run the same job functions, named by dotted path. Jobs are handed over only after the
database transaction that made them necessary has committed (`later()` + `Node.transaction()`),
so a worker never looks for a row that is not there yet and a rolled-back change never triggers
work. Losing a queued job is harmless: the sweeper finds due outbox rows again from the database.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any, Protocol

from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

_AFTER_COMMIT = "exchange.after_commit_jobs"


def later(session: Session, job: str, *args: Any) -> None:
    """Run `job(*args)` once the transaction of `session` has committed."""
    session.info.setdefault(_AFTER_COMMIT, []).append((job, args))


def take_pending(session: Session) -> list[tuple[str, tuple[Any, ...]]]:
    pending: list[tuple[str, tuple[Any, ...]]] = session.info.pop(_AFTER_COMMIT, [])
    return pending


def resolve(job: str) -> Callable[..., Any]:
    module, _, name = job.rpartition(".")
    function: Callable[..., Any] = getattr(importlib.import_module(module), name)
    return function


class JobQueue(Protocol):
    def enqueue(self, job: str, *args: Any) -> None:
        """Hand a job over for execution; never raises for a lost queue (the sweeper recovers)."""
        ...


class RqQueue:
    """Jobs through rq on Redis; the worker process runs them inside the node's app context."""

    def __init__(self, redis_url: str, queue_name: str, job_timeout: int = 120) -> None:
        from redis import Redis
        from rq import Queue

        self.connection = Redis.from_url(redis_url)
        self.queue = Queue(queue_name, connection=self.connection)
        self.job_timeout = job_timeout

    def enqueue(self, job: str, *args: Any) -> None:
        try:
            self.queue.enqueue(job, *args, job_timeout=self.job_timeout, result_ttl=0, failure_ttl=7 * 86400)
        except Exception:  # a Redis outage must not fail the business transaction
            log.warning("could not enqueue %s; the sweeper will pick the work up again", job, exc_info=True)


class InProcessQueue:
    """A thread pool that runs job functions inside the app context (embedded mode and tests)."""

    def __init__(self, runner: Callable[[Callable[[], None]], None], threads: int = 4) -> None:
        self._runner = runner
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="exchange-job")
        self._futures: set[Future[None]] = set()
        self._lock = threading.Lock()
        self._closed = False

    def enqueue(self, job: str, *args: Any) -> None:
        function = resolve(job)

        def run() -> None:
            try:
                self._runner(lambda: function(*args))
            except Exception:
                log.exception("job %s failed", job)

        with self._lock:
            if self._closed:
                log.info("dispatcher is stopping; %s is left to the sweeper", job)
                return
            future = self._executor.submit(run)
            self._futures.add(future)
        future.add_done_callback(self._forget)

    def _forget(self, future: Future[None]) -> None:
        with self._lock:
            self._futures.discard(future)

    def drain(self, timeout: float = 30.0) -> bool:
        """Wait until no job is running or queued (jobs may enqueue further jobs)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                futures = list(self._futures)
            if not futures:
                return True
            wait(futures, timeout=max(0.0, deadline - time.monotonic()))
        return False

    def shutdown(self) -> None:
        with self._lock:
            self._closed = True
        self._executor.shutdown(wait=True, cancel_futures=False)
