"""The embedded default (SQLite, in-process jobs), as a newcomer meets it: the demo, and nodes
set up by hand with the CLI exactly as the README says."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from exchange.demo import samples
from exchange.demo.localnet import BIN, REPO, free_port
from tests.integration.helpers import wait_for

pytestmark = [pytest.mark.processes]


def test_the_demo_runs_and_every_check_holds(tmp_path):
    out = tmp_path / "demo"
    base = free_port()
    result = subprocess.run(
        [str(BIN / "exchange"), "demo", "--out", str(out), "--base-port", str(base)],
        cwd=REPO,
        env={k: v for k, v in os.environ.items() if not k.startswith("EXCHANGE_")},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    timeline = (out / "timeline.txt").read_text()
    assert "every check held" in timeline
    assert "✘" not in timeline
    assert len(list((out / "messages").glob("*.receipt.json"))) == 15
    # The case: drafted, approved (four eyes), registered, routed, answered, executed, on both sides.
    assert "four eyes: Amra cannot approve her own request" in timeline
    assert "→ info_provided → recognised → executed" in timeline
    logins = (out / "logins.txt").read_text()
    assert "marija.ilic" in logins
    assert oct((out / "logins.txt").stat().st_mode & 0o777) == "0o600"


class Operator:
    """Runs `exchange` commands the way a person would, in one working folder."""

    def __init__(self, folder: Path, passphrase: str) -> None:
        self.folder = folder
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("EXCHANGE_")}
        self.env["EXCHANGE_KEY_PASSPHRASE"] = passphrase
        self.servers: list[subprocess.Popen[bytes]] = []

    def run(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(BIN / "exchange"), *args], cwd=self.folder, env=self.env, capture_output=True, text=True, timeout=120
        )
        if ok:
            assert result.returncode == 0, f"exchange {' '.join(args)}\n{result.stdout}\n{result.stderr}"
        return result

    def serve(self, home: str) -> None:
        log = (self.folder / f"{home}.log").open("ab")
        self.servers.append(
            subprocess.Popen(
                [str(BIN / "exchange"), "--home", home, "serve"],
                cwd=self.folder,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )

    def stop(self) -> None:
        import signal

        for server in self.servers:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=20)


@pytest.fixture
def operator(tmp_path):
    person = Operator(tmp_path, "a long passphrase for the test")
    yield person
    person.stop()


def test_nodes_set_up_by_hand_exchange_messages(operator):
    import requests

    ports = {"ba": free_port(), "rs": free_port()}
    for home, node_id in (("ba", "BA"), ("rs", "RS")):
        operator.run("--home", home, "init", "--node", node_id, "--endpoint", f"http://127.0.0.1:{ports[home]}")
    for holder in ("ba", "rs", "hr"):
        operator.run("directory", "keygen", "--holder", f"MoJ {holder}", "--out", f"gov-{holder}.key")
    operator.run(
        "directory", "create", "--federation", "wb-test", "--version", "1", "--threshold", "2",
        "--governance", "gov-ba.key.pub.json", "--governance", "gov-rs.key.pub.json",
        "--governance", "gov-hr.key.pub.json",
        "--node-entry", "ba/node-entry.json", "--node-entry", "rs/node-entry.json", "--out", "directory.json",
    )  # fmt: skip
    refused = operator.run("--home", "ba", "directory", "install", "directory.json", ok=False)
    assert refused.returncode != 0
    assert "directory_under_threshold" in refused.stderr
    operator.run("directory", "sign", "directory.json", "--key", "gov-ba.key")
    operator.run("directory", "sign", "directory.json", "--key", "gov-hr.key")
    assert "2 of the required 2" in operator.run("directory", "verify", "directory.json").stdout
    for home in ("ba", "rs"):
        operator.run("--home", home, "directory", "install", "directory.json")
        operator.serve(home)
    for home in ("ba", "rs"):
        wait_for(lambda h=home: _healthy(requests, ports[h]), timeout=30)

    body = {"our_reference": "KT-1/26", "question": "Какав је статус?", "language": "sr-Cyrl"}
    sent = operator.run("--home", "ba", "send", "--to", "RS", "--type", "status.query", "--body", json.dumps(body))
    assert "delivered to RS" in sent.stdout
    message_id = sent.stdout.split()[2]
    reply = {"our_reference": "KTMP-5/26", "state": "received", "message": "Примљено.", "language": "sr-Cyrl"}
    answered = operator.run(
        "--home",
        "rs",
        "send",
        "--to",
        "BA",
        "--type",
        "status.reply",
        "--in-reply-to",
        message_id,
        "--body",
        json.dumps(reply),
    )
    assert "delivered to BA" in answered.stdout
    assert message_id in operator.run("--home", "rs", "inbox", "list").stdout
    shown = operator.run("--home", "rs", "inbox", "show", "BA", message_id).stdout
    assert "Какав је статус?" in shown

    operator.run("--home", "ba", "outbox", "export", message_id, "--dir", "saved")
    envelope, receipt = f"saved/{message_id}.envelope.json", f"saved/{message_id}.receipt.json"
    verified = operator.run("verify", "--directory", "directory.json", "--envelope", envelope, "--receipt", receipt)
    assert "All signatures hold." in verified.stdout
    assert "from BA" in verified.stdout
    opened = operator.run("verify", "--directory", "directory.json", "--envelope", envelope, "--open-with", "rs")
    assert "Какав је статус?" in opened.stdout

    document = json.loads((operator.folder / envelope).read_text())
    document["header"]["created"] = "2026-01-01T00:00:00Z"
    (operator.folder / "saved" / "tampered.json").write_text(json.dumps(document))
    tampered = operator.run("verify", "--directory", "directory.json", "--envelope", "saved/tampered.json", ok=False)
    assert tampered.returncode == 1
    assert "FAIL" in tampered.stdout

    bad = operator.run("--home", "ba", "send", "--to", "RS", "--type", "status.query", "--body", "{}", ok=False)
    assert bad.returncode != 0
    assert "body_invalid" in bad.stderr
    request = json.dumps(samples.sample("request.mla"))
    formal = operator.run("--home", "ba", "send", "--to", "RS", "--type", "request.mla", "--body", request, ok=False)
    assert formal.returncode != 0
    assert "formal act" in formal.stderr

    # People and a personal token, by the operator, then the API with that token.
    office = operator.run(
        "--home", "ba", "authority", "add", "--name", "Tužilaštvo Brčko distrikta BiH", "--kind", "prosecutor_office",
        "--jurisdiction", "brcko", "--language", "bs",
    ).stdout.split()[0]  # fmt: skip
    operator.run(
        "--home", "ba", "user", "add", "emina.alic", "--name", "Emina Alić", "--authority", office,
        "--role", "prosecutor", "--language", "bs",
    )  # fmt: skip
    assert "emina.alic" in operator.run("--home", "ba", "user", "list").stdout
    created = operator.run("--home", "ba", "token", "create", "emina.alic", "--name", "nightly export")
    secret = created.stdout.strip()
    assert secret.startswith("mlx_")
    assert "not shown again" in created.stderr
    me = requests.get(
        f"http://127.0.0.1:{ports['ba']}/api/v1/me", headers={"Authorization": f"Bearer {secret}"}, timeout=10
    ).json()
    assert (me["username"], me["authority_name"], me["roles"]) == (
        "emina.alic",
        "Tužilaštvo Brčko distrikta BiH",
        ["prosecutor"],
    )
    token_id = operator.run("--home", "ba", "token", "list", "emina.alic").stdout.split()[0]
    operator.run("--home", "ba", "token", "revoke", token_id)
    revoked = requests.get(
        f"http://127.0.0.1:{ports['ba']}/api/v1/me", headers={"Authorization": f"Bearer {secret}"}, timeout=10
    )
    assert revoked.status_code == 401


def _healthy(requests, port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
    except requests.RequestException:
        return False
