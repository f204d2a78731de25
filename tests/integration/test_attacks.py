"""Named attacks on a real node process, each refused with its reason code and nothing stored.

The attacker is the test process using an independent implementation of the protocol
(tests/independent.py); the node under attack is RS, running gunicorn + rq worker on
PostgreSQL and Redis. BA is a legitimate member whose keys the tests hold; ME and MK are members
whose signing keys are revoked and expired.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import rfc8785

from crypto import EncryptionKey
from protocols.v1.directory import KeyEntry, NodeEntry
from tests import independent as ind
from tests.integration.helpers import inbox_count, inbox_ids

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.processes]

BODY = {"our_reference": "KT-7/26", "question": "Да ли је захтјев примљен?", "language": "sr-Cyrl"}
NOW = datetime.now(UTC)
REVOKED = ind.Signer()
EXPIRED = ind.Signer()


def _member(node_id: str, signer: ind.Signer, **window: datetime) -> NodeEntry:
    """A member that runs no process here; it only ever signs (with a key we made unusable)."""
    encryption = EncryptionKey.generate()
    return NodeEntry(
        id=node_id,
        country=node_id,
        name=f"Member {node_id}",
        endpoint="http://127.0.0.1:9",
        protocols=("mla-exchange/1",),
        languages=("en",),
        keys=(
            KeyEntry(
                signer.kid,
                "ed25519",
                signer.public,
                NOW - timedelta(days=30),
                window.get("until"),
                window.get("revoked"),
            ),
            KeyEntry(encryption.kid, "x25519", encryption.public.raw, NOW - timedelta(days=30), None, None),
        ),
    )


@pytest.fixture(scope="module")
def rs(module_cluster):
    """RS running alone (BA's keys are in the test's hands), its request limit lowered to test it cheaply."""
    federation = module_cluster(
        ("BA", "RS"),
        per_node={"RS": {"EXCHANGE_MAX_REQUEST_BYTES": str(256 * 1024)}},
        extra_entries=[
            _member("ME", REVOKED, revoked=NOW - timedelta(hours=1)),
            _member("MK", EXPIRED, until=NOW - timedelta(hours=1)),
        ],
        start=False,
    )
    rs = federation.nodes["RS"]
    rs.start()
    ba = federation.nodes["BA"]
    return {
        "node": rs,
        "url": rs.url + "/federation/v1/envelopes",
        "ba": ind.Signer(ba.created.signing.seed),
        "rs_public": rs.created.encryption.public.raw,
        "other_public": ba.created.encryption.public.raw,
    }


def envelope(t, **kwargs):
    args = dict(
        sender="BA",
        sender_key=t["ba"],
        recipient="RS",
        recipient_public=t["rs_public"],
        message_type="status.query",
        body=BODY,
        created=datetime.now(UTC),
    )
    args.update(kwargs)
    return ind.seal_envelope(**args)


def _flip(text: str) -> str:
    raw = bytearray(ind.unb64url(text))
    raw[len(raw) // 2] ^= 1
    return ind.b64url(bytes(raw))


def tampered(part):
    def attack(t):
        env = envelope(t)
        if part == "header":
            env["header"]["type"] = "consultation"
        elif part == "ciphertext":
            env["sealed"]["ciphertext"] = _flip(env["sealed"]["ciphertext"])
        else:
            env["signature"]["sig"] = _flip(env["signature"]["sig"])
        return env, {}

    return attack


def replayed_http(t):
    """The same signed HTTP request twice: the second one is a replay."""
    env = envelope(t)
    body = rfc8785.dumps(env)
    headers = ind.signature_headers(t["url"], body, t["ba"])
    status, _answer = ind.post(t["url"], body, headers)
    assert status == 200
    return ("raw", body, headers), {"stored": 1}


def digest_mismatch(t):
    env = envelope(t)
    body = rfc8785.dumps(env)
    headers = ind.signature_headers(t["url"], body, t["ba"])
    altered = rfc8785.dumps(envelope(t))
    return ("raw", altered, headers), {}


def unsigned(t):
    return ("raw", rfc8785.dumps(envelope(t)), {"Content-Type": "application/json"}), {}


def wrong_authority(t):
    """Signed for `localhost:<port>` and sent there: valid signature, but not our authority."""
    body = rfc8785.dumps(envelope(t))
    other = t["url"].replace("127.0.0.1", "localhost")
    return ("raw", body, ind.signature_headers(other, body, t["ba"]), other), {}


def signed_by(signer):
    def attack(t):
        env = envelope(t, sender_key=signer)
        return ("raw", rfc8785.dumps(env), ind.signature_headers(t["url"], rfc8785.dumps(env), signer)), {}

    return attack


def envelope_of(node_id, signer):
    def attack(t):
        env = envelope(t, sender=node_id, sender_key=signer)
        return ("raw", rfc8785.dumps(env), ind.signature_headers(t["url"], rfc8785.dumps(env), t["ba"])), {}

    return attack


def too_large(t):
    env = envelope(t, body={**BODY, "question": "x" * 300_000})
    return env, {}


def oversized_batch(t):
    batch = {"typ": "mla-exchange/batch+v1", "envelopes": [envelope(t) for _ in range(51)]}
    return batch, {}


def duplicate_keys(t):
    body = b'{"typ":"mla-exchange/envelope+v1","typ":"mla-exchange/envelope+v1"}'
    return ("raw", body, ind.signature_headers(t["url"], body, t["ba"])), {}


def wrong_media_type(t):
    body = rfc8785.dumps(envelope(t))
    return ("raw", body, ind.signature_headers(t["url"], body, t["ba"], content_type="text/plain")), {}


def non_canonical(t):
    body = json.dumps(envelope(t), indent=1, ensure_ascii=False).encode()
    return ("raw", body, ind.signature_headers(t["url"], body, t["ba"])), {}


def long_nonce(t):
    body = rfc8785.dumps(envelope(t))
    return ("raw", body, ind.signature_headers(t["url"], body, t["ba"], nonce="n" * 200)), {}


def old_signature(t):
    body = rfc8785.dumps(envelope(t))
    headers = ind.signature_headers(t["url"], body, t["ba"], created=datetime.now(UTC) - timedelta(minutes=10))
    return ("raw", body, headers), {}


# (name, attack, HTTP status, reason code)
ATTACKS = [
    ("tampered header", tampered("header"), 422, "envelope_signature_invalid"),
    ("tampered ciphertext", tampered("ciphertext"), 422, "envelope_signature_invalid"),
    ("tampered envelope signature", tampered("signature"), 422, "envelope_signature_invalid"),
    ("tampered body after the HTTP signature (digest)", digest_mismatch, 400, "digest_mismatch"),
    ("replayed HTTP request", replayed_http, 409, "replayed_request"),
    ("HTTP request not signed", unsigned, 401, "http_signature_missing"),
    ("HTTP signature older than its validity", old_signature, 401, "http_signature_expired"),
    ("signed for another host", wrong_authority, 421, "wrong_authority"),
    ("unknown sender (key not in the directory)", signed_by(ind.Signer()), 401, "unknown_key"),
    ("sender with a revoked key", signed_by(REVOKED), 401, "key_revoked"),
    ("sender with an expired key", signed_by(EXPIRED), 401, "key_expired"),
    ("envelope of another member in BA's request", envelope_of("HR", ind.Signer()), 422, "sender_mismatch"),
    (
        "wrong recipient",
        lambda t: (envelope(t, recipient="HR", header_overrides={}, content_overrides={}), {}),
        422,
        "wrong_recipient",
    ),
    (
        "expired envelope",
        # Dated within the key's validity (keys start 5 minutes before the node was created).
        lambda t: (envelope(t, created=datetime.now(UTC) - timedelta(minutes=3), ttl=timedelta(minutes=1)), {}),
        422,
        "envelope_expired",
    ),
    (
        "envelope dated before the sender's key existed",
        lambda t: (envelope(t, created=datetime.now(UTC) - timedelta(days=2), ttl=timedelta(days=3)), {}),
        422,
        "key_not_yet_valid",
    ),
    (
        "envelope dated in the future",
        lambda t: (envelope(t, created=datetime.now(UTC) + timedelta(hours=1)), {}),
        422,
        "envelope_not_yet_valid",
    ),
    (
        "sealed to another key",
        lambda t: (envelope(t, seal_to=t["other_public"]), {}),
        422,
        "decryption_failed",
    ),
    (
        "inner signature by a stranger",
        lambda t: (envelope(t, inner_key=ind.Signer()), {}),
        422,
        "unknown_key",
    ),
    (
        "inner content addressed to another node",
        lambda t: (envelope(t, content_overrides={"recipient": "HR"}), {}),
        422,
        "inner_binding_mismatch",
    ),
    (
        "body that fails its template",
        lambda t: (envelope(t, body={"question": "no reference", "language": "sr-Cyrl"}), {}),
        422,
        "body_invalid",
    ),
    (
        "unknown message type",
        lambda t: (envelope(t, message_type="request.teleport", header_overrides={}), {}),
        422,
        "unknown_message_type",
    ),
    ("request over the size limit", too_large, 413, "payload_too_large"),
    ("batch of 51 envelopes", oversized_batch, 413, "batch_too_large"),
    ("duplicate JSON keys", duplicate_keys, 400, "malformed_json"),
    ("body not in canonical form", non_canonical, 400, "non_canonical_json"),
    ("nonce of 200 characters", long_nonce, 401, "http_signature_invalid"),
    (
        "lifetime over 90 days",
        lambda t: (envelope(t, ttl=timedelta(days=91)), {}),
        422,
        "malformed_envelope",
    ),
    ("not application/json", wrong_media_type, 415, "unsupported_media_type"),
]


@pytest.mark.parametrize(("name", "attack", "status", "reason"), ATTACKS, ids=[a[0] for a in ATTACKS])
def test_attack_is_refused_and_nothing_is_stored(rs, name, attack, status, reason):
    before = set(inbox_ids(rs["node"]))
    payload, expect = attack(rs)
    if isinstance(payload, tuple) and payload[0] == "raw":
        _kind, body, headers, *url = payload
        answer_status, answer = ind.post(url[0] if url else rs["url"], body, headers)
    else:
        answer_status, answer = ind.send(rs["url"], payload, rs["ba"])
    assert (answer_status, answer.get("reason")) == (status, reason), ind.pretty(answer)
    assert answer["status"] == "rejected"
    assert answer["typ"] == "mla-exchange/receipt+v1"
    after = set(inbox_ids(rs["node"]))
    assert len(after - before) == expect.get("stored", 0), name


def test_replayed_envelope_gets_the_original_receipt_and_is_stored_once(rs):
    env = envelope(rs)
    first_status, first = ind.send(rs["url"], env, rs["ba"])
    again_status, again = ind.send(rs["url"], env, rs["ba"])
    assert (first_status, first["status"]) == (200, "accepted")
    assert (again_status, again["status"]) == (200, "duplicate")
    assert again["original"] == first
    assert inbox_ids(rs["node"]).count(env["header"]["id"]) == 1


def test_same_id_with_other_bytes_is_refused(rs):
    env = envelope(rs)
    assert ind.send(rs["url"], env, rs["ba"])[1]["status"] == "accepted"
    other = envelope(rs, message_id=env["header"]["id"], body={**BODY, "question": "другачије"})
    stored = inbox_count(rs["node"])
    status, answer = ind.send(rs["url"], other, rs["ba"])
    assert (status, answer["reason"]) == (422, "message_id_reused")
    assert inbox_count(rs["node"]) == stored


def test_batch_answers_each_envelope_on_its_own(rs):
    good, bad = envelope(rs), envelope(rs, body={"language": "sr-Cyrl"})
    before = set(inbox_ids(rs["node"]))
    status, answer = ind.send(rs["url"], {"typ": "mla-exchange/batch+v1", "envelopes": [good, bad]}, rs["ba"])
    assert status == 200
    assert [r["status"] for r in answer["receipts"]] == ["accepted", "rejected"]
    assert answer["receipts"][1]["reason"] == "body_invalid"
    assert set(inbox_ids(rs["node"])) - before == {good["header"]["id"]}


def test_the_same_envelope_twice_in_one_batch_is_stored_once(rs):
    env = envelope(rs)
    status, answer = ind.send(rs["url"], {"typ": "mla-exchange/batch+v1", "envelopes": [env, env]}, rs["ba"])
    assert status == 200
    assert [r["status"] for r in answer["receipts"]] == ["accepted", "duplicate"]
    assert answer["receipts"][1]["original"] == answer["receipts"][0]
    assert inbox_ids(rs["node"]).count(env["header"]["id"]) == 1
