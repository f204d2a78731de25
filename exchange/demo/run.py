"""The demo: BA, RS and HR as separate processes exchanging signed, encrypted messages.

It shows, with real processes on loopback and the embedded defaults (SQLite, in-process jobs):
a real case from draft to execution between BA and RS (exchange.demo.story); messages both ways
with signed receipts; a node stopped while messages wait for it, restarted,
and everything delivered; a repeated delivery answered with the original receipt; a tampered
envelope refused; a new directory version signed 2-of-3 spreading from one node to the others.
Every envelope and receipt is saved so `exchange verify` can be run on it. Exit 0 only when
every check held.
"""

from __future__ import annotations

import shutil
import signal
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import requests
from flask import Flask
from sqlalchemy import func, select

from crypto.encoding import b64url_decode, b64url_encode
from crypto.tokens import random_token
from exchange import create_app
from exchange.clock import SystemClock
from exchange.config import Settings
from exchange.demo.localnet import BIN, LocalFederation, LocalNode, NodeSpec, build_federation
from exchange.demo.story import CaseStory
from exchange.federation.models import InboundEnvelope, OutboundEnvelope, OutboxState
from exchange.federation.outbound import send_message
from exchange.jobs import InProcessQueue
from exchange.node import Node
from protocols.canonical import canonical_bytes, parse_strict
from protocols.v1 import directory as d
from protocols.v1.offline import verify_artifacts
from protocols.v1.receipt import Status, parse_receipt

MARKER = ".exchange-demo"
SPECS = [
    ("BA", "Bosnia and Herzegovina", ("bs", "hr", "sr-Cyrl", "sr-Latn")),
    ("RS", "Serbia", ("sr-Cyrl", "sr-Latn")),
    ("HR", "Croatia", ("hr",)),
]


@dataclass
class Timeline:
    """What happened, when, in words a reader follows; also written to timeline.txt."""

    started: float = field(default_factory=time.monotonic)
    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def say(self, text: str) -> None:
        line = f"[{time.monotonic() - self.started:7.2f}s] {text}"
        self.lines.append(line)
        print(line, flush=True)

    def check(self, condition: bool, text: str) -> bool:
        self.say(("  ✔ " if condition else "  ✘ ") + text)
        if not condition:
            self.failures.append(text)
        return condition


@dataclass
class Sent:
    number: int
    sender: str
    recipient: str
    message_type: str
    id: str


class Demo:
    def __init__(self, out: Path, base_port: int) -> None:
        self.out = out
        self.base_port = base_port
        self.timeline = Timeline()
        self.apps: dict[str, Flask] = {}
        self.sent: list[Sent] = []
        self.federation: LocalFederation | None = None
        self.story: CaseStory | None = None

    # -- set-up ------------------------------------------------------------------------------

    def prepare(self) -> LocalFederation:
        if self.out.exists():
            if not (self.out / MARKER).exists():
                raise SystemExit(f"{self.out} exists and is not a demo folder; choose another --out")
            shutil.rmtree(self.out)
        self.out.mkdir(parents=True)
        (self.out / MARKER).write_text("made by `exchange demo`; safe to delete\n")
        (self.out / "messages").mkdir()
        specs = [
            NodeSpec(node_id, name, languages, self.base_port + i) for i, (node_id, name, languages) in enumerate(SPECS)
        ]
        federation = build_federation(self.out / "nodes", specs, name="western-balkans-mla", now=SystemClock().now())
        (self.out / "directory-v1.json").write_bytes(federation.directory_raw)
        self.federation = federation
        self.timeline.say(
            "Directory v1 of 'western-balkans-mla': BA, RS, HR; governance 2 of 3, signed by 2 governance keys; "
            "installed as the trust anchor on every node"
        )
        return federation

    def node(self, node_id: str) -> LocalNode:
        assert self.federation is not None
        return self.federation.nodes[node_id]

    def service(self, node_id: str) -> Node:
        """The node's services in this process (same keys and database as its server)."""
        if node_id not in self.apps:
            # The nodes log to their own files; here only errors would distract from the timeline.
            settings = Settings.from_env({**self.node(node_id).env(), "EXCHANGE_LOG_LEVEL": "ERROR"})
            self.apps[node_id] = create_app(settings)
        node: Node = self.apps[node_id].extensions["exchange.node"]
        return node

    # -- messages ------------------------------------------------------------------------------

    def send(self, sender: str, recipient: str, message_type: str, body: dict[str, Any], **kwargs: Any) -> Sent:
        node = self.service(sender)
        with self.apps[sender].app_context(), node.transaction() as session:
            row = send_message(node, session, recipient=recipient, message_type=message_type, body=body, **kwargs)
        item = Sent(len(self.sent) + 1, sender, recipient, message_type, row.id)
        self.sent.append(item)
        self.timeline.say(
            f"{sender} → {recipient}  {message_type:13} #{item.number} {row.id[:8]}… sealed, signed, queued"
        )
        return item

    def row(self, item: Sent) -> OutboundEnvelope:
        node = self.service(item.sender)
        with node.db.sessions() as session:
            row = session.get(OutboundEnvelope, item.id)
        assert row is not None
        return row

    def wait_delivered(self, items: list[Sent], timeout: float) -> float | None:
        """Seconds until every item has a verified receipt, or None on timeout."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            for app in self.apps.values():
                queue = app.extensions["exchange.node"].queue
                if isinstance(queue, InProcessQueue):
                    queue.drain(timeout=0.5)
            if all(self.row(item).state == OutboxState.DELIVERED for item in items):
                return time.monotonic() - started
            time.sleep(0.05)
        return None

    def report_receipts(self, items: list[Sent]) -> None:
        for item in items:
            row = self.row(item)
            if row.state != OutboxState.DELIVERED or row.receipt is None:
                self.timeline.check(
                    False, f"#{item.number} {item.sender} → {item.recipient}: {row.state} ({row.last_error})"
                )
                continue
            receipt = parse_receipt(parse_strict(row.receipt))
            paths = self.save(item, row)
            self.timeline.check(
                receipt.status == Status.ACCEPTED,
                f"#{item.number} receipt: {receipt.status} by {receipt.receiver} at {receipt.received:%H:%M:%S} "
                f"(signature verified) → {paths}",
            )

    def save(self, item: Sent, row: OutboundEnvelope) -> str:
        stem = f"{item.number:02d}-{item.sender}-to-{item.recipient}-{item.message_type}"
        folder = self.out / "messages"
        (folder / f"{stem}.envelope.json").write_bytes(row.envelope)
        if row.receipt is not None:
            (folder / f"{stem}.receipt.json").write_bytes(row.receipt)
        return f"messages/{stem}.*.json"

    # -- the story -------------------------------------------------------------------------------

    def run(self) -> None:
        federation = self.prepare()
        for node in federation.nodes.values():
            node.start()
            self.timeline.say(f"{node.id} ({node.spec.name}) is up at {node.url} (its own process, SQLite)")

        self.story = CaseStory(self, password=random_token(9))
        self.story.run()

        first = self.send(
            "BA",
            "RS",
            "status.query",
            {
                "our_reference": "T09 0 KTA 0001117 26",
                "question": "Molimo informaciju o statusu zamolnice u predmetu trgovine ljudima (Prijedor – Novi Sad). "
                "Да ли је замолница заведена и који тужилац поступа?",
                "language": "bs",
            },
        )
        reply = self.send(
            "RS",
            "BA",
            "status.reply",
            {
                "our_reference": "КТМП 55/26",
                "their_reference": "T09 0 KTA 0001117 26",
                "state": "in_execution",
                "message": "Замолница је заведена 20.11.2026. и додијељена Тужилаштву за организовани криминал.",
                "language": "sr-Cyrl",
                "expected_completion": "2027-01-15",
            },
            conversation=self.row(first).conversation_id,
            in_reply_to=first.id,
        )
        consult = self.send(
            "HR",
            "RS",
            "consultation",
            {
                "our_reference": "K-US-88/2026",
                "subject": "Krijumčarenje migranata – usklađivanje pretraga",
                "text": "Predlažemo istovremene pretrage 3. prosinca; molimo potvrdu termina.",
                "language": "hr",
            },
        )
        answer = self.send(
            "RS",
            "HR",
            "consultation",
            {
                "our_reference": "КТМП 61/26",
                "their_reference": "K-US-88/2026",
                "subject": "Re: Krijumčarenje migranata – usklađivanje pretraga",
                "text": "Термин 3. децембра је прихватљив.",
                "language": "sr-Cyrl",
            },
            conversation=self.row(consult).conversation_id,
            in_reply_to=consult.id,
        )
        took = self.wait_delivered([first, reply, consult, answer], timeout=30)
        self.timeline.check(took is not None, f"four messages delivered both ways in {took or 0:.2f}s")
        self.report_receipts([first, reply, consult, answer])

        self.outage()
        self.duplicate(first)
        self.tampered(reply)
        self.directory_update()
        self.verify_saved()

    def outage(self) -> None:
        rs = self.node("RS")
        rs.stop("web")
        self.timeline.say("RS is stopped (its process terminated); BA and HR keep sending to it")
        waiting = [
            self.send(
                "BA",
                "RS",
                "status.query",
                {"our_reference": "T09 0 KTA 0001117 26", "question": "Podsjetnik: rok je 15.12.", "language": "bs"},
            ),
            self.send(
                "BA",
                "RS",
                "consultation",
                {
                    "our_reference": "T09 0 KTA 0001117 26",
                    "subject": "Saslušanje svjedoka – video veza",
                    "text": "Predlažemo saslušanje putem video veze (čl. 9 Drugog dodatnog protokola).",
                    "language": "bs",
                },
            ),
            self.send(
                "HR",
                "RS",
                "status.query",
                {"our_reference": "K-US-88/2026", "question": "Status zamolnice?", "language": "hr"},
            ),
        ]
        time.sleep(2)
        pending = [item for item in waiting if self.row(item).state == OutboxState.PENDING]
        self.timeline.check(len(pending) == 3, f"{len(pending)} messages wait in the outboxes of BA and HR")
        for item in waiting:
            self.timeline.say(f"   #{item.number} attempt {self.row(item).attempts}: {self.row(item).last_error}")
        # The demo process must not deliver them itself: only the running nodes should.
        self.shutdown_local_queues()
        rs.start_web()
        up = rs.wait_healthy()
        back = time.monotonic()
        self.timeline.say(f"RS is started again (healthy after {up:.2f}s); it announces itself to its peers")
        took = self.wait_delivered(waiting, timeout=30)
        if took is not None:
            took = time.monotonic() - back
        self.timeline.check(
            took is not None,
            f"all 3 waiting messages delivered {took or 0:.2f}s after RS came back (target: under 5s)",
        )
        self.report_receipts(waiting)

    def duplicate(self, item: Sent) -> None:
        """A lost receipt makes a sender deliver again: the receiver must not apply it twice."""
        node = self.service(item.sender)
        row = self.row(item)
        peer = node.directory.current().node(item.recipient)
        with self.apps[item.sender].app_context():
            response = node.transport.post(peer, "/federation/v1/envelopes", row.envelope)
        receipt = parse_receipt(response.payload)
        original = row.receipt
        self.timeline.say(f"BA delivers #{item.number} to RS a second time (as after a lost receipt)")
        self.timeline.check(
            receipt.status == Status.DUPLICATE and receipt.proof.raw == original,
            f"RS answers '{receipt.status}' and returns the original receipt unchanged; nothing is applied twice",
        )

    def tampered(self, item: Sent) -> None:
        """One changed byte in the ciphertext: refused before any decryption."""
        node = self.service(item.sender)
        document = parse_strict(self.row(item).envelope)
        ciphertext = bytearray(b64url_decode(document["sealed"]["ciphertext"]))
        ciphertext[10] ^= 0x01
        document["sealed"]["ciphertext"] = b64url_encode(bytes(ciphertext))
        raw = canonical_bytes(document)
        (self.out / "messages" / "tampered-copy.envelope.json").write_bytes(raw)
        peer = node.directory.current().node(item.recipient)
        stored_before = self.inbox_size(item.recipient)
        with self.apps[item.sender].app_context():
            response = node.transport.post(peer, "/federation/v1/envelopes", raw)
        receipt = parse_receipt(response.payload)
        self.timeline.say(f"RS sends BA a copy of #{item.number} with one bit of the ciphertext flipped")
        self.timeline.check(
            receipt.status == Status.REJECTED and str(receipt.reason) == "envelope_signature_invalid",
            f"BA refuses it: HTTP {response.status}, signed receipt '{receipt.status}: {receipt.reason}'",
        )
        self.timeline.check(self.inbox_size(item.recipient) == stored_before, "BA stored nothing of it")

    def inbox_size(self, node_id: str) -> int:
        with self.service(node_id).db.sessions() as session:
            return session.scalar(select(func.count()).select_from(InboundEnvelope)) or 0

    def directory_update(self) -> None:
        """Version 2, signed by the governance keys of HR and BA, installed at HR only, spreads."""
        assert self.federation is not None
        federation = self.federation
        document = federation.directory_document(version=2, issued=SystemClock().now() - timedelta(seconds=30))
        raw = d.add_signatures(document, [federation.governance[2], federation.governance[0]])
        path = self.out / "directory-v2.json"
        path.write_bytes(raw)
        self.node("HR").cli("directory", "install", str(path))
        self.timeline.say("Directory v2 signed by 2 of 3 governance keys is installed at HR only")
        self.send(
            "HR", "BA", "status.query", {"our_reference": "K-US-88/2026", "question": "Test v2", "language": "hr"}
        )
        self.send(
            "HR", "RS", "status.query", {"our_reference": "K-US-88/2026", "question": "Test v2", "language": "hr"}
        )
        self.shutdown_local_queues()
        deadline = time.monotonic() + 20
        versions: dict[str, Any] = {}
        while time.monotonic() < deadline:
            versions = {
                n.id: requests.get(n.url + "/healthz", timeout=2).json()["directory_version"]
                for n in federation.nodes.values()
            }
            if set(versions.values()) == {2}:
                break
            time.sleep(0.2)
        self.timeline.check(
            set(versions.values()) == {2},
            f"BA and RS saw v2 announced by HR, fetched it, checked 2-of-3 and adopted it: {versions}",
        )
        self.wait_delivered(self.sent[-2:], timeout=20)
        self.report_receipts(self.sent[-2:])

    def verify_saved(self) -> None:
        directory_raw = (self.out / "directory-v2.json").read_bytes()
        good = 0
        for item in self.sent:
            stem = self.out / "messages" / f"{item.number:02d}-{item.sender}-to-{item.recipient}-{item.message_type}"
            envelope, receipt = Path(f"{stem}.envelope.json"), Path(f"{stem}.receipt.json")
            if not envelope.exists() or not receipt.exists():
                continue
            keys = self.service(item.recipient).identity.encryption_keys
            report = verify_artifacts(
                directory_raw, envelope_raw=envelope.read_bytes(), receipt_raw=receipt.read_bytes(), keys=keys
            )
            good += report.ok
        self.timeline.check(
            good == len(self.sent), f"{good} of {len(self.sent)} saved envelopes and receipts verify offline"
        )
        tampered = verify_artifacts(
            directory_raw, envelope_raw=(self.out / "messages" / "tampered-copy.envelope.json").read_bytes()
        )
        self.timeline.check(not tampered.ok, "the tampered copy fails offline verification")

    def shutdown_local_queues(self) -> None:
        for app in self.apps.values():
            queue = app.extensions["exchange.node"].queue
            if isinstance(queue, InProcessQueue):
                queue.drain(timeout=10)
        self.apps.clear()

    def finish(self, keep: bool) -> int:
        self.shutdown_local_queues()
        first = self.sent[0] if self.sent else None
        example = f"messages/01-{first.sender}-to-{first.recipient}-{first.message_type}" if first else "messages/01"
        exchange = _command_name()
        lines = [
            "",
            "Saved under " + str(self.out) + ": directory-v1.json, directory-v2.json, messages/*.envelope.json "
            "and *.receipt.json. Check one offline:",
            f"  {exchange} verify --directory {self.out}/directory-v2.json "
            f"--envelope {self.out}/{example}.envelope.json --receipt {self.out}/{example}.receipt.json",
            f"  (add --open-with {self.out}/nodes/rs to open the content with RS's keys; "
            f"export EXCHANGE_KEY_PASSPHRASE_FILE={self.out}/nodes/rs/passphrase)",
        ]
        for line in lines:
            print(line)
        self.timeline.lines.extend(lines)
        verdict = "every check held" if not self.timeline.failures else f"{len(self.timeline.failures)} check(s) FAILED"
        self.timeline.say(f"Demo finished: {verdict}")
        (self.out / "timeline.txt").write_text("\n".join(self.timeline.lines) + "\n", encoding="utf-8")
        assert self.federation is not None
        if self.story is not None:
            logins = self.out / "logins.txt"
            logins.write_text("\n".join(self.story.logins()) + "\n", encoding="utf-8")
            logins.chmod(0o600)
        if keep:
            print("\nThe nodes keep running (stop them with Ctrl-C or `kill` on the pids below):")
            for node in self.federation.nodes.values():
                web = node.processes.get("web")
                print(f"  {node.id}: {node.url}  (pid {web.pid if web else '-'}, folder {node.home})")
            if self.story is not None:
                print("\nSign in and walk through the case (BA: Amra drafted, Selma approved; RS: Марија, Милош):")
                for line in self.story.logins():
                    print("  " + line)
        else:
            self.federation.stop_all()
        return 0 if not self.timeline.failures else 1


def _command_name() -> str:
    """How the reader can call `exchange` from where they are (a fresh clone has it in .venv only)."""
    executable = BIN / "exchange"
    if shutil.which("exchange") == str(executable):
        return "exchange"
    try:
        return str(executable.relative_to(Path.cwd()))
    except ValueError:
        return str(executable)


def run_demo(out: Path, *, keep: bool = False, base_port: int = 8701) -> int:
    demo = Demo(out.resolve(), base_port)
    try:
        demo.run()
    except BaseException:
        if demo.federation is not None:
            demo.federation.stop_all()
        raise
    code = demo.finish(keep)
    if keep and code == 0:
        _wait_forever(demo)
    return code


def _wait_forever(demo: Demo) -> None:
    """Keep the nodes until Ctrl-C or SIGTERM, then stop exactly the processes the demo started."""

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        if demo.federation is not None:
            demo.federation.stop_all()
