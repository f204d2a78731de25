"""Check that the services `make test` needs are reachable, and say plainly what is missing."""

from __future__ import annotations

import argparse
import socket
import sys
from urllib.parse import urlsplit


def _reachable(url: str, default_port: int) -> str | None:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or default_port
    try:
        with socket.create_connection((host, port), timeout=3):
            return None
    except OSError as exc:
        return f"{host}:{port} ({exc.strerror or exc})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", required=True)
    args = parser.parse_args()
    missing = []
    problem = _reachable(args.database_url, 5432)
    if problem:
        missing.append(
            f"PostgreSQL is not reachable at {problem}.\n"
            "  Start it (on Debian: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start)\n"
            "  or point the tests elsewhere: make test PG_URL=postgresql://user@host:port/postgres"
        )
    problem = _reachable(args.redis_url, 6379)
    if problem:
        missing.append(
            f"Redis is not reachable at {problem}.\n"
            "  Start it (redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no)\n"
            "  or point the tests elsewhere: make test REDIS_URL=redis://host:port/15"
        )
    if missing:
        print("make test needs these services, and they are missing:\n", file=sys.stderr)
        print("\n\n".join(missing), file=sys.stderr)
        return 1
    print("services: PostgreSQL and Redis are reachable")
    return 0


if __name__ == "__main__":
    sys.exit(main())
