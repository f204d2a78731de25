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


def later(session: Session, job: str, *args: Any, once: str | None = None) -> None:
    """Run `job(*args)` once the transaction of `session` has committed.

    With `once`, the job is not queued again while one with the same key waits in the queue
    (the job releases its key when it starts): a burst of messages to one peer becomes one
    delivery job that takes them as a batch, not one job per message.
    """
    session.info.setdefault(_AFTER_COMMIT, []).append((job, args, once))


def take_pending(session: Session) -> list[tuple[str, tuple[Any, ...], str | None]]:
    pending: list[tuple[str, tuple[Any, ...], str | None]] = session.info.pop(_AFTER_COMMIT, [])
    return pending


def resolve(job: str) -> Callable[..., Any]:
    module, _, name = job.rpartition(".")
    function: Callable[..., Any] = getattr(importlib.import_module(module), name)
    return function


class JobQueue(Protocol):
    def enqueue(self, job: str, *args: Any) -> None:
        """Hand a job over for execution; never raises for a lost queue (the sweeper recovers)."""
        ...

    def enqueue_once(self, key: str, job: str, *args: Any) -> None:
        """Like `enqueue`, unless a job queued under `key` has not started yet."""
        ...

    def release(self, key: str) -> None:
        """Called by a job as it starts: later work under `key` needs a new job."""
        ...


class RqQueue:
    """Jobs through rq on Redis; the worker process runs them inside the node's app context."""

    # A marker older than this is presumed to belong to a lost job; the sweeper recovers the work
    # sooner anyway, this only bounds how long a stale marker can suppress new jobs.
    ONCE_TTL = 60

    def __init__(self, redis_url: str, queue_name: str, job_timeout: int = 120) -> None:
        from redis import Redis
        from rq import Queue

        self.connection = Redis.from_url(redis_url)
        self.queue = Queue(queue_name, connection=self.connection)
        self.job_timeout = job_timeout
        self._prefix = f"exchange:{queue_name}:queued:"

    def enqueue(self, job: str, *args: Any) -> None:
        try:
            self.queue.enqueue(job, *args, job_timeout=self.job_timeout, result_ttl=0, failure_ttl=7 * 86400)
        except Exception:  # a Redis outage must not fail the business transaction
            log.warning("could not enqueue %s; the sweeper will pick the work up again", job, exc_info=True)

    def enqueue_once(self, key: str, job: str, *args: Any) -> None:
        try:
            if not self.connection.set(self._prefix + key, b"1", nx=True, ex=self.ONCE_TTL):
                return
        except Exception:  # as above: the sweeper recovers whatever this loses
            log.warning("could not enqueue %s; the sweeper will pick the work up again", job, exc_info=True)
            return
        self.enqueue(job, *args)

    def release(self, key: str) -> None:
        try:
            self.connection.delete(self._prefix + key)
        except Exception:
            log.warning("could not release %s; it expires by itself", key, exc_info=True)


class InProcessQueue:
    """A thread pool that runs job functions inside the app context (embedded mode and tests)."""

    def __init__(self, runner: Callable[[Callable[[], None]], None], threads: int = 4) -> None:
        self._runner = runner
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="exchange-job")
        self._futures: set[Future[None]] = set()
        self._queued: set[str] = set()
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

    def enqueue_once(self, key: str, job: str, *args: Any) -> None:
        with self._lock:
            if key in self._queued:
                return
            self._queued.add(key)
        self.enqueue(job, *args)

    def release(self, key: str) -> None:
        with self._lock:
            self._queued.discard(key)

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
