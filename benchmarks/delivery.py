"""End-to-end delivery between two real production-mode nodes: throughput and latency.

    .venv/bin/python benchmarks/delivery.py [--messages 3000] [--rate 50] [--duration 30] [--workers 1]

Two nodes, BA (sender) and RS (receiver), run as real processes started by exchange.demo.localnet
exactly as an operator runs them: gunicorn with deploy/gunicorn.conf.py plus `exchange worker`
(rq on Redis), each node with a fresh PostgreSQL database of its own (created here with CREATE
DATABASE and dropped at the end) and its own rq queue in Redis database --redis-db (default 14,
flushed before and after; no other Redis database is touched). Key files use the minimum KDF
cost so the nodes start quickly.

This process is the sender's application: it builds BA's app in-process and calls
`exchange.federation.outbound.send_message` in a transaction per message, so every envelope is
sealed and signed here, committed to BA's outbox, and its delivery job goes to BA's rq workers,
which post batches to RS and record RS's signed receipts. Figures come from BA's outbox table:
`queued_at` (set by send_message), `last_attempt_at` (when a worker claimed the row for the
attempt that succeeded) and `delivered_at` (when the receipt came back).

    throughput  --messages sent back to back; messages/s from the first queued_at to the last
                delivered_at, and how many came back with a receipt that verifies
    latency     paced sends at --rate per second for --duration seconds; p50/p99 of
                delivered_at - queued_at
    drain       (with --drain) delivery capacity alone: --messages queued while BA's workers are
                stopped, then the workers are started; messages/s from the first claim to the
                last delivered_at (the CPU figures include the workers' start-up, ~1 CPU-s each)

--workers sets how many `exchange worker` processes BA runs (RS runs one). gunicorn runs with the
defaults of deploy/gunicorn.conf.py, 2 processes x 8 threads per node: that file reads
EXCHANGE_WEB_WORKERS/THREADS from the process environment only, and LocalNode.env() passes no
EXCHANGE_* variable through (settings in exchange.env do not reach it).
If deploy/gunicorn.conf.py is missing the script waits up to a minute for it, then says so.

For each phase it also prints where the time went: queue wait (queued -> claimed) against
posting (claimed -> receipt recorded), the batch sizes the workers formed, the receiver's own
request times (from its gunicorn access log), and the CPU seconds used by each process group
(and by everything else on the machine) while the phase ran. Only figures are printed.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from redis import Redis
from rq import Worker
from sqlalchemy import Engine, create_engine, func, select

from crypto.keyfile import MINIMUM_COST
from exchange import create_app
from exchange.clock import SystemClock
from exchange.config import Settings
from exchange.demo.localnet import BIN, REPO, LocalFederation, LocalNode, NodeSpec, build_federation, free_port
from exchange.federation.models import InboundEnvelope, OutboundEnvelope, OutboxState
from exchange.federation.outbound import send_message
from exchange.node import Node
from protocols.errors import ProtocolError
from protocols.v1.receipt import parse_receipt_bytes, verify_receipt

GUNICORN_CONF = REPO / "deploy" / "gunicorn.conf.py"
TARGET_THROUGHPUT = 300.0  # messages/s
TARGET_P99 = 1.0  # seconds, at 50 messages/s
BODY = {
    "our_reference": "KT-114/26",
    "their_reference": "KTA-2026-0311",
    "question": "Молимо обавјештење о статусу замолнице у предмету KT-114/26.",
    "language": "sr-Cyrl",
}
CLK_TCK = os.sysconf("SC_CLK_TCK")


# -- CPU accounting from /proc ---------------------------------------------------------------------


def _proc_stats() -> dict[int, tuple[int, str, int]]:
    """pid -> (process group, command name, utime + stime in ticks) for every process we can read."""
    result: dict[int, tuple[int, str, int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            text = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        result[int(entry.name)] = (int(fields[2]), name, int(fields[11]) + int(fields[12]))
    return result


def _machine_busy() -> int:
    """Ticks all cores spent on anything but idle and iowait since boot."""
    values = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(values) - values[3] - values[4]


def _postgres_backends(databases: Sequence[str]) -> set[int]:
    """PostgreSQL backend pids serving our databases (their process titles name the database)."""
    pids = set()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            title = Path(entry.path, "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if title.startswith("postgres:") and any(f" {name} " in title for name in databases):
            pids.add(int(entry.name))
    return pids


@dataclass
class CpuSnapshot:
    at: float
    processes: dict[int, tuple[int, str, int]]
    machine: int
    own: float


class CpuMeter:
    """CPU seconds per process group of ours, our PostgreSQL backends, Redis, and the rest."""

    def __init__(self, federation: LocalFederation, databases: Sequence[str]) -> None:
        self.federation = federation
        self.databases = databases

    def snapshot(self) -> CpuSnapshot:
        times = os.times()
        return CpuSnapshot(time.monotonic(), _proc_stats(), _machine_busy(), times.user + times.system)

    def groups(self) -> dict[str, set[int]]:
        """Role label -> process group ids (each role was started in its own session)."""
        groups: dict[str, set[int]] = {}
        for node in self.federation.nodes.values():
            for role, process in node.processes.items():
                label = f"{node.id} {'web (gunicorn)' if role == 'web' else 'rq workers'}"
                groups.setdefault(label, set()).add(process.pid)
        return groups

    def report(self, before: CpuSnapshot, after: CpuSnapshot, messages: int) -> None:
        elapsed = after.at - before.at

        def delta(pids: Iterable[int]) -> float:
            ticks = 0
            for pid in pids:
                if pid in after.processes:
                    start = before.processes.get(pid)
                    ticks += after.processes[pid][2] - (start[2] if start else 0)
            return ticks / CLK_TCK

        rows: list[tuple[str, float]] = [("benchmark process (sealing + outbox inserts)", after.own - before.own)]
        for label, pgids in sorted(self.groups().items()):
            rows.append((label, delta(pid for pid, (pgid, _n, _t) in after.processes.items() if pgid in pgids)))
        rows.append(("PostgreSQL backends of our databases", delta(_postgres_backends(self.databases))))
        rows.append(
            ("redis-server", delta(pid for pid, (_g, name, _t) in after.processes.items() if name == "redis-server"))
        )
        ours = sum(seconds for _label, seconds in rows)
        machine = (after.machine - before.machine) / CLK_TCK
        rows.append(("everything else on the machine", max(0.0, machine - ours)))
        cores = os.cpu_count() or 1
        print(
            f"  CPU while the phase ran ({elapsed:.1f} s wall, {cores} cores = {cores * elapsed:.1f} CPU-s available):"
        )
        for label, seconds in rows:
            per = f"{1000 * seconds / messages:6.2f} ms/msg" if messages else ""
            print(f"    {label:46s} {seconds:7.2f} CPU-s  {100 * seconds / elapsed:5.0f} % of a core  {per}")
        print(
            f"    {'machine total':46s} {machine:7.2f} CPU-s  {100 * machine / (cores * elapsed):5.0f} % of all cores"
        )


# -- the federation --------------------------------------------------------------------------------


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.run = f"mlax_bench_{os.getpid()}"
        self.admin_url = args.postgres
        self.redis_url = f"{args.redis.rstrip('/')}/{args.redis_db}"
        self.root = Path(tempfile.mkdtemp(prefix="mlax-bench-"))
        self.databases: list[str] = []
        self.federation: LocalFederation | None = None
        self.node: Node | None = None
        self.engines: list[Engine] = []

    # setup and teardown

    def create_database(self, node_id: str) -> str:
        name = f"{self.run}_{node_id.lower()}"
        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        self.databases.append(name)
        base = self.admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
        return f"{base}/{name}"

    def flush_redis(self) -> None:
        """Empty our Redis database number, and no other."""
        with Redis.from_url(self.redis_url) as connection:
            connection.flushdb()

    def start(self) -> tuple[LocalNode, LocalNode]:
        self.flush_redis()
        specs = []
        for node_id in ("BA", "RS"):
            settings = {
                "EXCHANGE_DATABASE_URL": self.create_database(node_id),
                "EXCHANGE_REDIS_URL": self.redis_url,
                "EXCHANGE_QUEUE_NAME": f"{self.run}-{node_id.lower()}",
                "EXCHANGE_LOG_LEVEL": self.args.log_level,
            }
            specs.append(NodeSpec(node_id, f"Benchmark node {node_id}", ("en",), free_port(), settings))
        started = time.monotonic()
        self.federation = build_federation(
            self.root, specs, name="benchmark", now=SystemClock().now(), cost=MINIMUM_COST
        )
        sender, receiver = self.federation.nodes["BA"], self.federation.nodes["RS"]
        receiver.start()
        sender.start_web()
        self.start_workers(sender, ["worker" if n == 0 else f"worker{n + 1}" for n in range(self.args.workers)])
        sender.wait_healthy()
        settings = Settings.from_env({**sender.env(), "EXCHANGE_LOG_LEVEL": "WARNING"})
        app = create_app(settings)
        self.node = app.extensions["exchange.node"]
        for node in (sender, receiver):
            self.engines.append(create_engine(node.spec.settings["EXCHANGE_DATABASE_URL"]))
        print(
            f"  nodes up in {time.monotonic() - started:.1f} s: BA {sender.url} (gunicorn + {self.args.workers} "
            f"rq worker(s)), RS {receiver.url} (gunicorn + 1 rq worker); Redis db {self.args.redis_db}; "
            f"databases {', '.join(self.databases)}"
        )
        return sender, receiver

    def start_workers(self, node: LocalNode, roles: Sequence[str]) -> None:
        """`exchange worker` processes for `node`; LocalNode.start_worker starts only the one called "worker"."""
        for role in roles:
            node._start(role, [str(BIN / "exchange"), "worker"])

    def stop(self) -> None:
        if self.federation is not None:
            self.federation.stop_all()
        if self.node is not None:
            self.node.db.dispose()
        for engine in self.engines:
            engine.dispose()
        if self.databases:
            with psycopg.connect(self.admin_url, autocommit=True) as connection:
                for name in self.databases:
                    connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        try:
            self.flush_redis()
        except Exception as exc:
            print(f"  could not flush Redis db {self.args.redis_db}: {exc}")
        if self.args.keep:
            print(f"  node folders and logs kept in {self.root}")
        else:
            shutil.rmtree(self.root, ignore_errors=True)

    # sending and waiting

    def send(self) -> str:
        assert self.node is not None
        with self.node.transaction() as session:
            row = send_message(self.node, session, recipient="RS", message_type="status.query", body=BODY)
        return row.id

    def rows(self, since: datetime, until: datetime) -> list[Any]:
        query = select(
            OutboundEnvelope.id,
            OutboundEnvelope.state,
            OutboundEnvelope.queued_at,
            OutboundEnvelope.last_attempt_at,
            OutboundEnvelope.delivered_at,
            OutboundEnvelope.attempts,
            OutboundEnvelope.envelope_sha256,
            OutboundEnvelope.receipt,
        ).where(OutboundEnvelope.queued_at >= since, OutboundEnvelope.queued_at <= until)
        with self.engines[0].connect() as connection:
            return list(connection.execute(query))

    def pending(self, since: datetime, until: datetime) -> tuple[int, int]:
        query = (
            select(OutboundEnvelope.state, func.count())
            .where(OutboundEnvelope.queued_at >= since, OutboundEnvelope.queued_at <= until)
            .group_by(OutboundEnvelope.state)
        )
        with self.engines[0].connect() as connection:
            states: dict[str, int] = dict(connection.execute(query).all())  # type: ignore[arg-type]
        return states.get(OutboxState.PENDING, 0), sum(states.values())

    def wait_delivered(self, since: datetime, until: datetime, timeout: float) -> None:
        started = last_print = time.monotonic()
        while True:
            pending, total = self.pending(since, until)
            now = time.monotonic()
            if pending == 0:
                return
            if now - started > timeout:
                print(f"  gave up waiting after {timeout:.0f} s: {pending} of {total} still pending")
                return
            if now - last_print >= 5:
                print(f"    ... {total - pending}/{total} settled after {now - started:.0f} s")
                last_print = now
            time.sleep(0.2)

    def wait_queue_empty(self, timeout: float = 120.0) -> None:
        assert self.node is not None
        queue = self.node.queue.queue  # type: ignore[attr-defined]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and (queue.count or queue.started_job_registry.count):
            time.sleep(0.2)

    def rq_stats(self) -> dict[str, tuple[int, float]]:
        """Per BA rq worker: jobs finished and seconds spent inside job functions (rq's own counters)."""
        assert self.node is not None
        workers = Worker.all(queue=self.node.queue.queue)  # type: ignore[attr-defined]
        return {w.name: (w.successful_job_count + w.failed_job_count, w.total_working_time) for w in workers}

    def inbox_count(self) -> int:
        with self.engines[1].connect() as connection:
            return connection.scalar(select(func.count()).select_from(InboundEnvelope)) or 0


# -- figures ---------------------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of `values` (p in 0..100)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def spread(values: Sequence[float]) -> str:
    if not values:
        return "n/a"
    return (
        f"p50 {1000 * percentile(values, 50):7.1f} ms  p90 {1000 * percentile(values, 90):7.1f} ms  "
        f"p99 {1000 * percentile(values, 99):7.1f} ms  max {1000 * max(values):7.1f} ms"
    )


ACCESS = re.compile(r'"POST /federation/v1/envelopes [^"]*" (\d{3}) (\d+) (\d+)ms')


def access_log(path: Path, offset: int) -> tuple[list[float], Counter[int], int]:
    """Receiver request times (ms) and statuses from its gunicorn access log, from `offset` on."""
    times: list[float] = []
    statuses: Counter[int] = Counter()
    with path.open("rb") as log:
        log.seek(offset)
        data = log.read()
    for match in ACCESS.finditer(data.decode(errors="replace")):
        statuses[int(match.group(1))] += 1
        times.append(int(match.group(3)) / 1000)
    return times, statuses, offset + len(data)


def log_problems(node: LocalNode) -> Counter[str]:
    problems: Counter[str] = Counter()
    for path in node.home.glob("*.log"):
        for line in path.read_text(errors="replace").splitlines():
            for level in ("WARNING", "ERROR", "CRITICAL", "Traceback"):
                if level in line:
                    problems[f"{path.name} {level}"] += 1
    return problems


@dataclass
class Phase:
    name: str
    since: datetime
    until: datetime
    sent: int
    send_seconds: float
    late_sends: int = 0
    from_first_claim: bool = False  # the drain phase counts from the first claim, not the first send
    jobs: int = 0
    job_seconds: float = 0.0
    wall: float = 0.0


def analyse(bench: Bench, phase: Phase, receiver: LocalNode) -> dict[str, float]:
    """Print what happened to the messages of `phase`; returns the headline figures."""
    assert bench.node is not None
    rows = bench.rows(phase.since, phase.until)
    states = Counter(row.state for row in rows)
    delivered = [row for row in rows if row.state == OutboxState.DELIVERED and row.delivered_at is not None]
    directory = bench.node.directory.current()
    verified = 0
    for row in delivered:
        try:
            receipt = parse_receipt_bytes(row.receipt)
            verify_receipt(receipt, directory, receiver="RS", envelope_id=row.id, envelope_sha256=row.envelope_sha256)
            verified += receipt.delivered
        except ProtocolError:
            pass
    print(
        f"  sent {phase.sent} in {phase.send_seconds:.2f} s ({phase.sent / phase.send_seconds:.0f} msg/s offered"
        + (f", {phase.late_sends} sends behind schedule" if phase.late_sends else "")
        + ")"
    )
    print(
        f"  outcome: {dict(states)}; {verified} delivered with a receipt that verifies; "
        f"attempts > 1: {sum(row.attempts > 1 for row in rows)}"
    )
    figures: dict[str, float] = {"sent": phase.sent, "delivered": len(delivered), "verified": verified}
    if not delivered:
        return figures
    if phase.from_first_claim:
        first = min(row.last_attempt_at for row in rows if row.last_attempt_at is not None)
        start_label = "first claimed (last_attempt_at)"
    else:
        first = min(row.queued_at for row in rows)
        start_label = "first queued_at"
    last_delivered = max(row.delivered_at for row in delivered)
    window = (last_delivered - first).total_seconds()
    figures["throughput"] = len(delivered) / window
    latency = [(row.delivered_at - row.queued_at).total_seconds() for row in delivered]
    waits = [(row.last_attempt_at - row.queued_at).total_seconds() for row in delivered if row.last_attempt_at]
    posts = [(row.delivered_at - row.last_attempt_at).total_seconds() for row in delivered if row.last_attempt_at]
    batches = Counter(row.last_attempt_at for row in delivered)
    sizes = sorted(batches.values())
    figures["p50"], figures["p99"] = percentile(latency, 50), percentile(latency, 99)
    print(f"  {start_label} -> last delivered_at: {window:.2f} s = {figures['throughput']:.1f} delivered msg/s")
    print(f"  latency  delivered - queued   {spread(latency)}")
    print(f"    queue wait  claimed - queued    {spread(waits)}")
    print(f"    post+record delivered - claimed {spread(posts)}")
    print(
        f"  batches: {len(batches)} POSTs carried them; size mean {statistics.mean(sizes):.1f}, "
        f"median {statistics.median(sizes):g}, max {max(sizes)}; size 1: {sizes.count(1)} POSTs"
    )
    if phase.jobs:
        workers = bench.args.workers
        print(
            f"  BA rq jobs run: {phase.jobs} ({phase.jobs / phase.sent:.2f} per message), "
            f"mean {1000 * phase.job_seconds / phase.jobs:.2f} ms inside the job function; the workers were inside "
            f"job functions {100 * phase.job_seconds / (phase.wall * workers):.0f} % of {phase.wall:.1f} s x {workers}"
        )
    return figures


def phase_receiver_log(receiver: LocalNode, offset: int) -> int:
    times, statuses, end = access_log(receiver.home / "web.log", offset)
    if times:
        print(
            f"  receiver RS: {len(times)} POST /federation/v1/envelopes {dict(statuses)}; "
            f"request time {spread(times)} (gunicorn %(M)s)"
        )
    return end


@dataclass
class Marks:
    """What is read before a phase so the phase's own share can be told apart afterwards."""

    log_offset: int
    cpu: CpuSnapshot
    rq: dict[str, tuple[int, float]]


def begin(bench: Bench, receiver: LocalNode, meter: CpuMeter) -> Marks:
    return Marks((receiver.home / "web.log").stat().st_size, meter.snapshot(), bench.rq_stats())


def finish(bench: Bench, phase: Phase, receiver: LocalNode, meter: CpuMeter, marks: Marks) -> dict[str, float]:
    bench.wait_delivered(phase.since, phase.until, bench.args.timeout)
    after = meter.snapshot()
    rq_after = bench.rq_stats()
    phase.wall = after.at - marks.cpu.at
    phase.jobs = sum(jobs - marks.rq.get(name, (0, 0.0))[0] for name, (jobs, _s) in rq_after.items())
    phase.job_seconds = sum(seconds - marks.rq.get(name, (0, 0.0))[1] for name, (_j, seconds) in rq_after.items())
    figures = analyse(bench, phase, receiver)
    phase_receiver_log(receiver, marks.log_offset)
    meter.report(marks.cpu, after, phase.sent)
    return figures


def throughput_phase(bench: Bench, receiver: LocalNode, meter: CpuMeter) -> dict[str, float]:
    assert bench.node is not None
    messages = bench.args.messages
    print(f"\nthroughput: {messages} messages sent back to back from this process")
    marks = begin(bench, receiver, meter)
    since = bench.node.clock.now()
    started = time.perf_counter()
    for _ in range(messages):
        bench.send()
    phase = Phase("throughput", since, bench.node.clock.now(), messages, time.perf_counter() - started)
    return finish(bench, phase, receiver, meter, marks)


def latency_phase(bench: Bench, receiver: LocalNode, meter: CpuMeter) -> dict[str, float]:
    assert bench.node is not None
    rate, duration = bench.args.rate, bench.args.duration
    count = round(rate * duration)
    print(f"\nlatency: {count} messages paced at {rate:g}/s for {duration:g} s")
    marks = begin(bench, receiver, meter)
    since = bench.node.clock.now()
    started = time.perf_counter()
    late = 0
    for number in range(count):
        due = started + number / rate
        wait = due - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        elif wait < -1 / rate:
            late += 1
        bench.send()
    phase = Phase("latency", since, bench.node.clock.now(), count, time.perf_counter() - started, late)
    return finish(bench, phase, receiver, meter, marks)


def drain_phase(bench: Bench, sender: LocalNode, receiver: LocalNode, meter: CpuMeter) -> dict[str, float]:
    """Delivery capacity alone: queue --messages with BA's workers stopped, then start them and time the drain."""
    assert bench.node is not None
    messages = bench.args.messages
    print(f"\ndrain: {messages} messages queued while BA's workers are stopped, then drained by {bench.args.workers}")
    roles = sorted(role for role in sender.processes if role.startswith("worker"))
    for role in roles:
        sender.stop(role)
    since = bench.node.clock.now()
    started = time.perf_counter()
    for _ in range(messages):
        bench.send()
    phase = Phase("drain", since, bench.node.clock.now(), messages, time.perf_counter() - started)
    phase.from_first_claim = True
    marks = begin(bench, receiver, meter)
    bench.start_workers(sender, roles)
    return finish(bench, phase, receiver, meter, marks)


def wait_for_config(timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not GUNICORN_CONF.is_file():
        if time.monotonic() >= deadline:
            return False
        time.sleep(1)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="End-to-end delivery throughput and latency between two nodes.")
    parser.add_argument("--messages", type=int, default=3000, help="messages in the throughput phase")
    parser.add_argument("--rate", type=float, default=50.0, help="offered load of the latency phase (msg/s)")
    parser.add_argument("--duration", type=float, default=30.0, help="length of the latency phase (s)")
    parser.add_argument("--workers", type=int, default=1, help="`exchange worker` processes for the sender BA")
    parser.add_argument("--skip", choices=("throughput", "latency"), action="append", default=[], help="skip a phase")
    parser.add_argument("--timeout", type=float, default=600.0, help="longest wait for a phase to settle (s)")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres", help="admin URL")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379", help="Redis server (without database)")
    parser.add_argument("--redis-db", type=int, default=14, help="Redis database number; flushed before and after")
    parser.add_argument("--log-level", default="INFO", help="EXCHANGE_LOG_LEVEL of the node processes")
    parser.add_argument("--warmup", type=int, default=50, help="messages delivered before measuring")
    parser.add_argument("--drain", action="store_true", help="add a phase: --messages queued, then drained")
    parser.add_argument("--keep", action="store_true", help="keep the node folders and logs")
    args = parser.parse_args(argv)

    if not wait_for_config(60):
        print(f"{GUNICORN_CONF} is missing: the production web process cannot start without it")
        return 2
    print("mla-exchange delivery benchmark (two production-mode nodes on loopback)")
    print(
        f"  {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    bench = Bench(args)
    figures: dict[str, dict[str, float]] = {}
    try:
        sender, receiver = bench.start()
        assert bench.node is not None
        meter = CpuMeter(bench.federation, bench.databases)  # type: ignore[arg-type]
        # Warm-up: connections, caches, the directory, the first rq jobs.
        since = bench.node.clock.now()
        for _ in range(args.warmup):
            bench.send()
        bench.wait_delivered(since, bench.node.clock.now(), 120)
        bench.wait_queue_empty()
        if "throughput" not in args.skip:
            figures["throughput"] = throughput_phase(bench, receiver, meter)
            bench.wait_queue_empty()
            time.sleep(2)
        if "latency" not in args.skip:
            figures["latency"] = latency_phase(bench, receiver, meter)
        if args.drain:
            bench.wait_queue_empty()
            time.sleep(2)
            figures["drain"] = drain_phase(bench, sender, receiver, meter)
        total = sum(int(f.get("delivered", 0)) for f in figures.values()) + args.warmup
        print(f"\n  receiver RS inbox holds {bench.inbox_count()} envelopes (sent and delivered: {total})")
        for node in (sender, receiver):
            problems = log_problems(node)
            if problems:
                print(f"  {node.id} logs: {dict(problems)}")
    finally:
        bench.stop()

    print("\nsummary")
    if "throughput" in figures and "throughput" in figures["throughput"]:
        result = figures["throughput"]
        verdict = "met" if result["throughput"] >= TARGET_THROUGHPUT else "MISSED"
        print(
            f"  sustained throughput  {result['throughput']:7.1f} msg/s  ({int(result['verified'])}/"
            f"{int(result['sent'])} delivered with verified receipts)   target >= {TARGET_THROUGHPUT:g}: {verdict}"
        )
    if "drain" in figures and "throughput" in figures["drain"]:
        result = figures["drain"]
        print(
            f"  drain (delivery only)  {result['throughput']:7.1f} msg/s  ({int(result['verified'])}/"
            f"{int(result['sent'])} delivered with verified receipts)"
        )
    if "latency" in figures and "p99" in figures["latency"]:
        result = figures["latency"]
        verdict = "met" if result["p99"] < TARGET_P99 else "MISSED"
        print(
            f"  latency at {args.rate:g} msg/s   p50 {1000 * result['p50']:.0f} ms, p99 {1000 * result['p99']:.0f} ms  "
            f"({int(result['verified'])}/{int(result['sent'])} delivered)   target p99 < {TARGET_P99:g} s: {verdict}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
