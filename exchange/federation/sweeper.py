"""The sweeper: the database, not the queue, is the source of truth for what must still be sent.

Every few seconds it (1) gives up on envelopes too old to deliver, marking them failed for a
person to see, (2) re-queues due envelopes whose job was lost (a wiped Redis, a killed worker),
(3) picks the peers that are backing off for a ping, so a peer that comes back is noticed within
seconds, and
(4) forgets HTTP nonces whose signatures have expired. It is safe to run in several processes
at once: rows are claimed with `FOR UPDATE SKIP LOCKED`.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from exchange.federation import hooks
from exchange.federation.delivery import probe
from exchange.federation.inbound import retry_unhandled
from exchange.federation.models import OutboundEnvelope, OutboxState, Peer
from exchange.federation.replay import forget_expired_nonces
from exchange.federation.scheduling import DELIVER_PEER_JOB
from exchange.jobs import later
from exchange.node import Node

log = logging.getLogger(__name__)

SWEEP_LIMIT = 2000


@dataclass
class SweepReport:
    gave_up: int = 0
    requeued: Counter[str] = field(default_factory=Counter)
    probed: list[str] = field(default_factory=list)
    nonces_forgotten: int = 0
    handed_over: int = 0


def sweep(node: Node) -> SweepReport:
    """One pass; returns what it did (for logs and tests)."""
    now = node.clock.now()
    report = SweepReport()
    with node.transaction() as session:
        report.gave_up = _give_up(node, session, now)
        backing_off = {
            peer.node_id: peer
            for peer in session.scalars(select(Peer).where(Peer.retry_at.is_not(None), Peer.retry_at > now))
        }
        due = session.scalars(
            select(OutboundEnvelope)
            .where(
                OutboundEnvelope.state == OutboxState.PENDING,
                OutboundEnvelope.next_attempt_at <= now,
                or_(OutboundEnvelope.lease_until.is_(None), OutboundEnvelope.lease_until < now),
                # A queued job that has not claimed its row after this long is presumed lost.
                or_(
                    OutboundEnvelope.enqueued_at.is_(None),
                    OutboundEnvelope.enqueued_at <= now - node.settings.requeue_after,
                ),
            )
            .order_by(OutboundEnvelope.queued_at)
            .limit(SWEEP_LIMIT)
            .with_for_update(skip_locked=True)
        ).all()
        for row in due:
            if row.recipient in backing_off:
                continue
            row.enqueued_at = now
            report.requeued[row.recipient] += 1
        for peer_id, count in report.requeued.items():
            for _ in range(math.ceil(count / node.settings.max_batch)):
                later(session, DELIVER_PEER_JOB, peer_id)
        waiting = set(
            session.scalars(
                select(OutboundEnvelope.recipient)
                .where(OutboundEnvelope.state == OutboxState.PENDING)
                .group_by(OutboundEnvelope.recipient)
            )
        )
        probe_every = timedelta(seconds=node.settings.probe_interval)
        for peer_id, peer in backing_off.items():
            if peer_id in waiting and (peer.last_probe_at is None or now - peer.last_probe_at >= probe_every):
                peer.last_probe_at = now
                report.probed.append(peer_id)
    report.nonces_forgotten = forget_expired_nonces(node.db, now)
    report.handed_over = retry_unhandled(node, now)
    hooks.swept(node, now)
    _warn_if_directory_expired(node, now)
    return report


_last_expiry_warning: dict[str, float] = {}


def _warn_if_directory_expired(node: Node, now: datetime) -> None:
    """An expired trusted directory stays in use (ADR 5), but an operator must hear about it."""
    directory = node.directory.current_or_none()
    if directory is None or not directory.is_expired(now):
        return
    if time.monotonic() - _last_expiry_warning.get(node.id, -3600.0) >= 600:
        _last_expiry_warning[node.id] = time.monotonic()
        log.error(
            "the trusted directory v%s expired at %s: install a newer version", directory.version, directory.expires
        )


def _give_up(node: Node, session: Session, now: datetime) -> int:
    rows = session.scalars(
        select(OutboundEnvelope)
        .where(
            OutboundEnvelope.state == OutboxState.PENDING,
            or_(
                OutboundEnvelope.expires_at <= now,
                OutboundEnvelope.give_up_at <= now,
                and_(
                    OutboundEnvelope.give_up_at.is_(None),
                    OutboundEnvelope.queued_at <= now - node.settings.give_up_after,
                ),
            ),
            or_(OutboundEnvelope.lease_until.is_(None), OutboundEnvelope.lease_until < now),
        )
        .with_for_update(skip_locked=True)
    ).all()
    for row in rows:
        why = "expired before the recipient took it" if row.expires_at <= now else "undeliverable for too long"
        row.state = OutboxState.FAILED
        row.last_error = f"gave up after {row.attempts} attempt(s), {why}; last error: {row.last_error or 'none'}"
        log.error("envelope %s to %s failed permanently: %s", row.id, row.recipient, why)
        hooks.failed(node, session, row.id, "gave_up")
    return len(rows)


def peers(node: Node) -> list[str]:
    """Every other member of the federation."""
    directory = node.directory.current_or_none()
    return [] if directory is None else [entry.id for entry in directory.nodes if entry.id != node.id]


class Background(threading.Thread):
    """Runs the sweeper every `sweep_interval`, and pings peers: all of them when it starts and
    every `heartbeat_interval` (a node that comes back tells the others), and those backing off
    whenever the sweeper says so.

    Pings run in a small pool of their own, never in the delivery workers: a peer that swallows
    connections must not hold up deliveries to the peers that are up.
    """

    def __init__(self, node: Node, runner: Callable[[Callable[[], object]], object], probe_threads: int = 4) -> None:
        super().__init__(name="exchange-sweeper", daemon=True)
        self._node = node
        self._runner = runner
        self._stop = threading.Event()
        self._pinger = ThreadPoolExecutor(max_workers=probe_threads, thread_name_prefix="exchange-ping")
        self._pinging: set[str] = set()
        self._lock = threading.Lock()

    def ping(self, peer_ids: list[str]) -> None:
        """Ping these peers in the background; a peer still being pinged is skipped."""
        for peer_id in peer_ids:
            with self._lock:
                if peer_id in self._pinging:
                    continue
                self._pinging.add(peer_id)
            self._pinger.submit(self._ping_one, peer_id)

    def _ping_one(self, peer_id: str) -> None:
        try:
            self._runner(lambda: probe(peer_id))
        except Exception:
            log.exception("ping of %s failed unexpectedly", peer_id)
        finally:
            with self._lock:
                self._pinging.discard(peer_id)

    def run(self) -> None:
        next_heartbeat = 0.0
        while not self._stop.is_set():
            try:
                if time.monotonic() >= next_heartbeat:
                    self.ping(peers(self._node))
                    next_heartbeat = time.monotonic() + self._node.settings.heartbeat_interval
                report = self._sweep()
                self.ping(report.probed if report is not None else [])
            except Exception:
                log.exception("sweep failed; trying again")
            self._stop.wait(self._node.settings.sweep_interval)

    def _sweep(self) -> SweepReport | None:
        reports: list[SweepReport] = []
        self._runner(lambda: reports.append(sweep(self._node)))
        return reports[0] if reports else None

    def stop(self) -> None:
        self._stop.set()
        self._pinger.shutdown(wait=False, cancel_futures=True)
