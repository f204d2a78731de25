"""How soon messages queued during a peer's outage arrive once the peer is back (target: 5 s).

Two production-mode nodes (PostgreSQL, Redis, gunicorn + rq workers), started as in
delivery.py. In each round RS goes down, BA queues messages for it and keeps failing long enough
for its backoff to grow well past the target, then RS comes back. The figure is the time from
RS answering /healthz again to the last queued message having a verified receipt at BA.

Two kinds of outage:
  node  RS's web and worker processes stop and start again (a restart or a host reboot); RS
        announces itself with signed pings when its worker starts.
  web   only RS's web processes stop (a crashed web tier, a network partition of the web port);
        nothing announces the return, so BA notices through its probes (EXCHANGE_PROBE_INTERVAL).

    .venv/bin/python benchmarks/outage.py                    # 3 rounds of each kind, 30 s outages
    .venv/bin/python benchmarks/outage.py --outage 60 --messages 500
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from delivery import Bench, percentile, wait_for_config

TARGET_SECONDS = 5.0


def round_trip(bench: Bench, kind: str, messages: int, outage: float) -> tuple[float, float, int]:
    """One outage; returns (seconds from RS healthy to all delivered, RS start-up seconds, attempts)."""
    assert bench.federation is not None
    assert bench.node is not None
    rs = bench.federation.nodes["RS"]
    roles = ["web", "worker"] if kind == "node" else ["web"]
    for role in roles:
        rs.stop(role)
    since = bench.node.clock.now()
    for _ in range(messages):
        bench.send()
    until = bench.node.clock.now()
    time.sleep(outage)
    pending, total = bench.pending(since, until)
    rows = bench.rows(since, until)
    attempts = max((row.attempts for row in rows), default=0)
    print(f"    {kind}: {pending}/{total} waiting after {outage:.0f} s down (up to {attempts} attempts each)")
    rs.start_web()
    if kind == "node":
        rs.start_worker()
    up = rs.wait_healthy()
    back = time.monotonic()
    while bench.pending(since, until)[0] > 0:
        if time.monotonic() - back > 120:
            print("    gave up waiting 120 s after RS came back")
            break
        time.sleep(0.02)
    took = time.monotonic() - back
    delivered = [row for row in bench.rows(since, until) if row.receipt is not None]
    print(f"    {kind}: {len(delivered)}/{total} delivered {took:.2f} s after RS was healthy (start-up {up:.2f} s)")
    return took, up, attempts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200, help="messages queued during each outage")
    parser.add_argument("--outage", type=float, default=30.0, help="seconds RS stays down")
    parser.add_argument("--rounds", type=int, default=3, help="outages of each kind")
    parser.add_argument("--kinds", default="node,web", help="which outages: node, web or both")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379")
    parser.add_argument("--redis-db", type=int, default=13)
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    # Bench expects the options of delivery.py.
    args.workers, args.warmup = 1, 0
    if not wait_for_config(10):
        print("deploy/gunicorn.conf.py is missing")
        return 2
    print("mla-exchange outage recovery benchmark (two production-mode nodes on loopback)")
    print(f"  {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")
    bench = Bench(args)
    results: dict[str, list[float]] = {}
    try:
        bench.start()
        for kind in args.kinds.split(","):
            for _ in range(args.rounds):
                took, _up, _attempts = round_trip(bench, kind, args.messages, args.outage)
                results.setdefault(kind, []).append(took)
    finally:
        bench.stop()
    print("\nsummary: seconds from the peer being back to every queued message delivered")
    for kind, values in results.items():
        worst = max(values)
        verdict = "met" if worst < TARGET_SECONDS else "MISSED"
        print(
            f"  {kind:5} outage x{len(values)}: median {percentile(values, 50):.2f} s, worst {worst:.2f} s "
            f"({args.messages} messages each)   target < {TARGET_SECONDS:g} s: {verdict}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
