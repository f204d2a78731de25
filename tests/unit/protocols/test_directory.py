"""Directory trust: k-of-n governance, rollback, expiry, governance rotation and key windows.

Scenarios are a table: each names an attack or a legitimate change and the reason code expected.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from crypto import SigningKey
from protocols.canonical import canonical_bytes, parse_strict
from protocols.errors import DirectoryError, EnvelopeError, Reason
from protocols.v1 import directory as d
from tests.factories import T0, TestNode, federation, with_node

NOW = T0


@pytest.fixture
def fed():
    return federation("BA", "RS", "HR")


@pytest.fixture
def current(fed):
    return fed.directory(version=5)


def test_anchor_needs_its_own_threshold(fed):
    d.verify_anchor(fed.directory(), NOW)
    with pytest.raises(DirectoryError) as caught:
        d.verify_anchor(fed.directory(signers=fed.governance_keys[:1]), NOW)
    assert caught.value.reason == Reason.DIRECTORY_UNDER_THRESHOLD


def _update_cases():
    """(name, build candidate from fed, expected reason or None for accepted)."""
    return [
        ("newer version, 2 of 3", lambda f: f.directory(version=6), None),
        ("newer version, 3 of 3", lambda f: f.directory(version=6, signers=f.governance_keys), None),
        ("rollback to an older version", lambda f: f.directory(version=4), Reason.DIRECTORY_ROLLBACK),
        ("replay of the same version", lambda f: f.directory(version=5), Reason.DIRECTORY_ROLLBACK),
        (
            "under threshold: 1 of 3",
            lambda f: f.directory(version=6, signers=f.governance_keys[:1]),
            Reason.DIRECTORY_UNDER_THRESHOLD,
        ),
        ("one key signing twice counts once", lambda f: _double_signed(f), Reason.DIRECTORY_UNDER_THRESHOLD),
        (
            "signed by outsiders",
            lambda f: f.directory(version=6, signers=[SigningKey.generate(), SigningKey.generate()]),
            Reason.DIRECTORY_UNDER_THRESHOLD,
        ),
        (
            "expired",
            lambda f: f.directory(version=6, issued=NOW - timedelta(days=10), lifetime=timedelta(days=1)),
            Reason.DIRECTORY_EXPIRED,
        ),
        (
            "issued in the future",
            lambda f: f.directory(version=6, issued=NOW + timedelta(days=1)),
            Reason.DIRECTORY_NOT_YET_VALID,
        ),
        (
            "another federation",
            lambda f: f.directory(version=6, federation="elsewhere"),
            Reason.DIRECTORY_WRONG_FEDERATION,
        ),
        ("tampered after signing", lambda f: _tampered(f), Reason.DIRECTORY_UNDER_THRESHOLD),
        (
            "new governance signed by the old keys only",
            lambda f: _rotated(f, sign_new=False),
            Reason.DIRECTORY_UNDER_THRESHOLD,
        ),
        (
            "new governance signed by the new keys only",
            lambda f: _rotated(f, sign_old=False),
            Reason.DIRECTORY_UNDER_THRESHOLD,
        ),
        ("new governance signed by both", lambda f: _rotated(f), None),
        ("threshold lowered by the old keys only", lambda f: _lowered(f), Reason.DIRECTORY_UNDER_THRESHOLD),
    ]


def _double_signed(fed):
    raw = fed.signed(version=6, signers=fed.governance_keys[:1])
    document = parse_strict(raw)
    document["signatures"].append(dict(document["signatures"][0]))
    return d.parse_directory(canonical_bytes(document))


def _tampered(fed):
    raw = fed.signed(version=6)
    document = parse_strict(raw)
    document["nodes"][0]["endpoint"] = "https://attacker.example"
    return d.parse_directory(canonical_bytes(document))


def _rotated(fed, *, sign_old=True, sign_new=True):
    new_keys = [SigningKey.generate() for _ in range(3)]
    document = fed.document(version=6, governance=fed.governance(new_keys))
    signers = (fed.governance_keys[:2] if sign_old else []) + (new_keys[:2] if sign_new else [])
    return d.parse_directory(d.add_signatures(document, signers))


def _lowered(fed):
    document = fed.document(version=6, governance=fed.governance(threshold=1))
    # Only one of the old keys signs: by the new (lowered) threshold that would be enough.
    return d.parse_directory(d.add_signatures(document, fed.governance_keys[:1]))


@pytest.mark.parametrize(("name", "build", "expected"), _update_cases(), ids=[c[0] for c in _update_cases()])
def test_update(fed, current, name, build, expected):
    candidate = build(fed)
    if expected is None:
        result = d.check_update(current, candidate, NOW)
        assert result.met
    else:
        with pytest.raises(DirectoryError) as caught:
            d.check_update(current, candidate, NOW)
        assert caught.value.reason == expected, name


@pytest.mark.parametrize(
    ("name", "edit"),
    [
        ("unknown member", lambda doc: doc.update(extra=1)),
        (
            "key id not matching its key",
            lambda doc: doc["nodes"][0]["keys"][0].update(kid="ed25519:AAAAAAAAAAAAAAAAAAAAAA"),
        ),
        ("duplicate node", lambda doc: doc["nodes"].append(doc["nodes"][0])),
        ("threshold above n", lambda doc: doc["governance"].update(threshold=4)),
        ("threshold zero", lambda doc: doc["governance"].update(threshold=0)),
        ("endpoint with a slash", lambda doc: doc["nodes"][0].update(endpoint="http://x/")),
        ("plain http beyond loopback", lambda doc: doc["nodes"][0].update(endpoint="http://mla.pravosudje.ba")),
        ("endpoint that is not a URL", lambda doc: doc["nodes"][0].update(endpoint="http://[::1")),
        ("version as a string", lambda doc: doc.update(version="6")),
    ],
)
def test_malformed_directories_are_refused(fed, name, edit):
    document = fed.document(version=6)
    edit(document)
    with pytest.raises(DirectoryError):
        d.parse_directory(canonical_bytes(document))


def test_a_small_order_encryption_key_is_refused_once_the_signatures_hold(fed, current):
    """Key checks cost an X25519 operation each, so they run only for a candidate our governance signed."""
    document = fed.document(version=6)
    _small_order(document)
    candidate = d.parse_directory(d.add_signatures(document, fed.governance_keys[:2]))
    with pytest.raises(DirectoryError) as caught:
        d.check_update(current, candidate, NOW)
    assert caught.value.reason == Reason.DIRECTORY_INVALID_KEY
    with pytest.raises(DirectoryError) as caught:
        d.verify_anchor(candidate, NOW)
    assert caught.value.reason == Reason.DIRECTORY_INVALID_KEY


def _small_order(document):
    key = document["nodes"][0]["keys"][1]
    key["public_key"] = "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    key["kid"] = d.key_id("x25519", bytes([1]) + bytes(31))


def test_key_validity_windows_and_revocation(fed):
    retired = TestNode(
        "ME",
        "http://127.0.0.1:9100",
        valid_from=NOW - timedelta(days=30),
        valid_until=NOW - timedelta(days=1),
    )
    revoked = TestNode("MK", "http://127.0.0.1:9101", revoked_at=NOW - timedelta(hours=1))
    future = TestNode("AL", "http://127.0.0.1:9102", valid_from=NOW + timedelta(days=1))
    directory = with_node(with_node(with_node(fed, retired), revoked), future).directory()
    # A retired key still verifies what it signed while it was valid ...
    directory.verify_key_at(retired.signing.kid, NOW - timedelta(days=2))
    # ... and nothing after.
    cases = [
        (retired.signing.kid, NOW, Reason.KEY_EXPIRED),
        (revoked.signing.kid, NOW, Reason.KEY_REVOKED),
        (future.signing.kid, NOW, Reason.KEY_NOT_YET_VALID),
        ("ed25519:AAAAAAAAAAAAAAAAAAAAAA", NOW, Reason.UNKNOWN_KEY),
    ]
    for kid, at, reason in cases:
        with pytest.raises(EnvelopeError) as caught:
            directory.verify_key_at(kid, at)
        assert caught.value.reason == reason
    # Revocation applies from its time on, not before.
    directory.verify_key_at(revoked.signing.kid, NOW - timedelta(hours=2))
    with pytest.raises(EnvelopeError) as caught:
        directory.verify_key_at(fed.nodes["BA"].signing.kid, NOW, node_id="RS")
    assert caught.value.reason == Reason.SENDER_MISMATCH


def test_the_newest_valid_encryption_key_is_chosen(fed):
    directory = fed.directory()
    assert directory.encryption_key_for("RS", NOW).raw == fed.nodes["RS"].encryption.public.raw
    with pytest.raises(EnvelopeError) as caught:
        directory.encryption_key_for("XX", NOW)
    assert caught.value.reason == Reason.UNKNOWN_RECIPIENT_KEY


def test_raw_bytes_round_trip(fed):
    raw = fed.signed()
    assert d.parse_directory(raw).raw == raw
