"""Directory versions spreading between nodes, and bad versions offered by a peer being refused.

HR is played by the test: a small independent HTTP server that announces a directory version in
a signed ping and serves whatever directory the test chooses (a rollback, an under-signed one,
a valid newer one). BA and RS are real embedded nodes.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import rfc8785
from sqlalchemy import select
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from crypto import EncryptionKey, SigningKey
from exchange.demo.localnet import free_port
from exchange.directory.models import DirectoryEvent
from protocols.v1 import directory as d
from tests import independent as ind
from tests.integration.helpers import engine, wait_for

pytestmark = [pytest.mark.processes]


class FakePeer:
    """A peer that answers GET /federation/v1/directory with bytes the test sets."""

    def __init__(self, port: int) -> None:
        self.directory = b"{}"
        self.server = make_server("127.0.0.1", port, self.app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def app(self, environ, start_response):  # type: ignore[no-untyped-def]
        request = Request(environ)
        if request.path == "/federation/v1/directory":
            response = Response(self.directory, content_type="application/json")
        else:
            response = Response(b'{"error": "not here"}', status=404, content_type="application/json")
        return response(environ, start_response)

    def stop(self) -> None:
        self.server.shutdown()


@pytest.fixture
def world(cluster):
    port = free_port()
    hr_key, hr_encryption = ind.Signer(), EncryptionKey.generate()
    now = datetime.now(UTC)
    hr = d.NodeEntry(
        id="HR",
        country="HR",
        name="Croatia (played by the test)",
        endpoint=f"http://127.0.0.1:{port}",
        protocols=("mla-exchange/1",),
        languages=("hr",),
        keys=(
            d.KeyEntry(hr_key.kid, "ed25519", hr_key.public, now - timedelta(days=1), None, None),
            d.KeyEntry(hr_encryption.kid, "x25519", hr_encryption.public.raw, now - timedelta(days=1), None, None),
        ),
    )
    federation = cluster(("BA", "RS"), mode="embedded", extra_entries=[hr])
    peer = FakePeer(port)
    yield federation, peer, hr_key
    peer.stop()


def _version(node) -> int:
    import requests

    return requests.get(node.url + "/healthz", timeout=2).json()["directory_version"]


def _announce(node, hr_key, version: int) -> dict:
    """HR pings the node, announcing `version` in the Exchange-Directory-Version header."""
    url = node.url + "/federation/v1/ping"
    ping = {"typ": "mla-exchange/ping+v1", "sender": "HR", "recipient": node.id, "sent": ind.stamp(datetime.now(UTC))}
    body = rfc8785.dumps(ping)
    headers = ind.signature_headers(url, body, hr_key)
    headers["Exchange-Directory-Version"] = str(version)
    status, answer = ind.post(url, body, headers)
    assert status == 200, answer
    assert answer["typ"] == "mla-exchange/pong+v1"
    return answer


def _events(node) -> list[tuple[str, str | None, int | None]]:
    with engine(node).connect() as connection:
        rows = connection.execute(
            select(DirectoryEvent.outcome, DirectoryEvent.reason, DirectoryEvent.version).order_by(DirectoryEvent.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def _signed(federation, version: int, signers, **kwargs) -> bytes:
    document = federation.directory_document(version=version, issued=datetime.now(UTC) - timedelta(minutes=1), **kwargs)
    return d.add_signatures(document, signers)


@pytest.mark.parametrize(
    ("name", "offer", "reason"),
    [
        ("rollback to the version already trusted", lambda f: f.directory_raw, "directory_rollback"),
        ("newer version signed by 1 of 3", lambda f: _signed(f, 2, f.governance[:1]), "directory_under_threshold"),
        (
            "newer version signed by strangers",
            lambda f: _signed(f, 2, [SigningKey.generate(), SigningKey.generate()]),
            "directory_under_threshold",
        ),
        (
            "expired newer version",
            lambda f: d.add_signatures(
                f.directory_document(version=2, issued=datetime.now(UTC) - timedelta(days=10), valid=timedelta(days=1)),
                f.governance[:2],
            ),
            "directory_expired",
        ),
        ("not a directory", lambda f: b'{"typ": "something else"}', "directory_malformed"),
    ],
)
def test_a_bad_directory_from_a_peer_is_refused_and_recorded(world, name, offer, reason):
    federation, peer, hr_key = world
    rs = federation.nodes["RS"]
    peer.directory = offer(federation)
    _announce(rs, hr_key, 9)
    wait_for(lambda: any(outcome == "refused" for outcome, _r, _v in _events(rs)), timeout=15)
    refused = [event for event in _events(rs) if event[0] == "refused"]
    assert refused[-1][1] == reason, name
    assert _version(rs) == 1


def test_a_valid_newer_directory_spreads_from_node_to_node(world):
    federation, peer, hr_key = world
    ba, rs = federation.nodes["BA"], federation.nodes["RS"]
    peer.directory = _signed(federation, 3, federation.governance[1:3])
    _announce(rs, hr_key, 3)
    wait_for(lambda: _version(rs) == 3, timeout=15)
    assert ("adopted", None, 3) in _events(rs)
    # BA never hears from HR; it learns v3 from RS's answers and adopts it after its own checks.
    ba.cli(
        "send", "--to", "RS", "--type", "status.query", "--body", '{"our_reference":"x","question":"?","language":"en"}'
    )
    wait_for(lambda: _version(ba) == 3, timeout=15)
