"""A federation of real node processes on loopback: for the demo and the multi-node tests.

Every node gets its own folder, keys and database, and runs as separate processes started with
the same commands an operator uses (`exchange serve`, or gunicorn with deploy/gunicorn.conf.py
plus `exchange worker`). Processes are started in their own session so that stopping one stops
exactly the processes this helper started, by process group, and nothing else on the machine.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import requests

from crypto import SigningKey
from crypto.keyfile import DEFAULT_COST, KdfCost
from crypto.tokens import random_token
from exchange.setup import NewNode, init_node_home
from protocols.timefmt import truncate
from protocols.v1 import directory as d

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class NodeSpec:
    node_id: str
    name: str
    languages: tuple[str, ...]
    port: int
    settings: Mapping[str, str] = field(default_factory=dict)


@dataclass
class LocalNode:
    """One node's folder and the processes running it."""

    spec: NodeSpec
    home: Path
    created: NewNode
    passphrase_file: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.spec.node_id

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.spec.port}"

    @property
    def production(self) -> bool:
        return bool(self.spec.settings.get("EXCHANGE_REDIS_URL"))

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("EXCHANGE_")}
        env.update({"EXCHANGE_HOME": str(self.home), "EXCHANGE_KEY_PASSPHRASE_FILE": str(self.passphrase_file)})
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def _start(self, role: str, argv: Sequence[str]) -> None:
        if role in self.processes and self.processes[role].poll() is None:
            raise RuntimeError(f"{self.id} {role} is already running")
        log = (self.home / f"{role}.log").open("ab")
        self.processes[role] = subprocess.Popen(
            list(argv), cwd=REPO, env=self.env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()

    def start_web(self) -> None:
        if self.production:
            self._start(
                "web", [str(BIN / "gunicorn"), "-c", str(REPO / "deploy" / "gunicorn.conf.py"), "exchange.wsgi:app"]
            )
        else:
            self._start("web", [str(BIN / "exchange"), "serve"])

    def start_worker(self) -> None:
        self._start("worker", [str(BIN / "exchange"), "worker"])

    def start(self, timeout: float = 30.0) -> None:
        self.start_web()
        if self.production:
            self.start_worker()
        self.wait_healthy(timeout)

    def wait_healthy(self, timeout: float = 30.0) -> float:
        """Seconds until /healthz answers 200; raises if the web process dies or time runs out."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            web = self.processes.get("web")
            if web is not None and web.poll() is not None:
                raise RuntimeError(f"{self.id} web process exited with {web.returncode}; see {self.home / 'web.log'}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return time.monotonic() - started
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"{self.id} did not become healthy within {timeout}s; see {self.home / 'web.log'}")

    def stop(self, role: str = "web", *, kill: bool = False, timeout: float = 20.0) -> None:
        """Stop one of our processes (its whole process group): SIGTERM, or SIGKILL with kill=True."""
        process = self.processes.pop(role, None)
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGKILL if kill else signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def stop_all(self, *, kill: bool = False) -> None:
        for role in list(self.processes):
            self.stop(role, kill=kill)

    def cli(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Run `exchange <args>` for this node, as an operator would."""
        return subprocess.run(
            [str(BIN / "exchange"), *args], cwd=REPO, env=self.env(), capture_output=True, text=True, check=check,
            timeout=timeout,
        )  # fmt: skip


@dataclass
class LocalFederation:
    name: str
    nodes: dict[str, LocalNode]
    governance: list[SigningKey]
    threshold: int
    directory_raw: bytes
    extra_entries: list[d.NodeEntry] = field(default_factory=list)

    def node_entries(self) -> list[d.NodeEntry]:
        return [node.created.entry for node in self.nodes.values()] + list(self.extra_entries)

    def directory_document(
        self, *, version: int, issued: datetime, valid: timedelta = timedelta(days=180)
    ) -> dict[str, object]:
        return d.unsigned_document(
            federation=self.name,
            version=version,
            issued=truncate(issued),
            expires=truncate(issued) + valid,
            governance=d.Governance(
                self.threshold,
                tuple(d.GovernanceKey(k.kid, k.public, f"governance {i + 1}") for i, k in enumerate(self.governance)),
            ),
            nodes=self.node_entries(),
        )

    def stop_all(self, *, kill: bool = False) -> None:
        for node in self.nodes.values():
            node.stop_all(kill=kill)


def build_federation(
    root: Path,
    specs: Sequence[NodeSpec],
    *,
    name: str,
    now: datetime,
    governance_size: int = 3,
    threshold: int = 2,
    cost: KdfCost = DEFAULT_COST,
    extra_entries: Sequence[d.NodeEntry] = (),
) -> LocalFederation:
    """Create node folders, a governance, and a directory signed by `threshold` governance keys.

    The directory is installed in each node as its trust anchor through `exchange directory
    install`, the same command an operator runs. `extra_entries` lists members that run no
    process here (tests use them for peers whose keys are revoked or expired).
    """
    root.mkdir(parents=True, exist_ok=True)
    nodes: dict[str, LocalNode] = {}
    for spec in specs:
        home = root / spec.node_id.lower()
        home.mkdir(parents=True, exist_ok=True)
        secret_file = home / "passphrase"
        secret = random_token(16)
        secret_file.write_text(secret + "\n")
        secret_file.chmod(0o600)
        created = init_node_home(
            home,
            node_id=spec.node_id,
            endpoint=f"http://127.0.0.1:{spec.port}",
            passphrase=secret,
            now=now,
            name=spec.name,
            languages=spec.languages,
            settings=dict(spec.settings),
            cost=cost,
        )
        nodes[spec.node_id] = LocalNode(spec, home, created, secret_file)
    governance = [SigningKey.generate() for _ in range(governance_size)]
    federation = LocalFederation(name, nodes, governance, threshold, b"", list(extra_entries))
    document = federation.directory_document(version=1, issued=now - timedelta(minutes=1))
    federation.directory_raw = d.add_signatures(document, governance[:threshold])
    anchor = root / "directory-v1.json"
    anchor.write_bytes(federation.directory_raw)
    for node in nodes.values():
        if node.production:
            node.cli("db", "upgrade")
        node.cli("directory", "install", str(anchor))
    return federation
