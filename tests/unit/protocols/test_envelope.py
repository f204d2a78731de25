"""Envelope v1: round trip, and each receiver check refusing its attack with its reason code."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest

from crypto import EncryptionKey, SigningKey
from crypto.encoding import b64url_decode, b64url_encode
from exchange.demo.samples import sample
from protocols.canonical import canonical_bytes
from protocols.errors import EnvelopeError, ProtocolError, Reason
from protocols.v1 import envelope as e
from tests.factories import T0, TestNode, federation, with_node

BODY = {
    "our_reference": "KT-123/26",
    "question": "Да ли је захтјев примљен? Çfarë statusi?",
    "language": "sr-Cyrl",
}


@pytest.fixture
def fed():
    return federation("BA", "RS", "HR")


@pytest.fixture
def directory(fed):
    return fed.directory()


def build(fed, directory, **overrides):
    args = dict(
        sender="BA",
        recipient="RS",
        message_type="status.query",
        body=BODY,
        signing_key=fed.nodes["BA"].signing,
        recipient_key=directory.encryption_key_for("RS", T0),
        created=T0,
    )
    args.update(overrides)
    return e.build_envelope(**args)


def receive(fed, directory, raw: bytes, *, node="RS", now=T0 + timedelta(seconds=5)):
    """All pure receiver checks in order (the service adds HTTP, replay and duplicate checks)."""
    envelope = e.parse_envelope_bytes(raw)
    e.verify_envelope(envelope, directory, our_node=node, now=now)
    key = fed.nodes[node].encryption
    content = e.open_envelope(envelope, {key.kid: key})
    e.verify_content(content, envelope.header, directory)
    return envelope, content


def test_round_trip(fed, directory):
    envelope = build(fed, directory, approvals=[e.Approval("drafter", "u1", "Ana Anić", "Tužilaštvo BiH", T0)])
    parsed, content = receive(fed, directory, envelope.raw)
    assert parsed.raw == envelope.raw
    assert content.body == BODY
    assert content.approvals[0].name == "Ana Anić"
    assert content.handling.onward_transfer == "with_prior_consent"
    # Case content never travels in clear.
    assert "KT-123" not in envelope.raw.decode()
    assert BODY["question"].encode() not in envelope.raw


def _mutate(raw: bytes, change) -> bytes:
    document = e.parse_envelope_bytes(raw).to_json()
    change(document)
    return canonical_bytes(document)


def _flip_b64(document, *path):
    target = document
    for part in path[:-1]:
        target = target[part]
    data = bytearray(b64url_decode(target[path[-1]]))
    data[len(data) // 2] ^= 1
    target[path[-1]] = b64url_encode(bytes(data))


def _resign(fed, change):
    """Change the clear parts and re-sign the outer signature with the real sender key."""

    def apply(document):
        change(document)
        unsigned = {k: v for k, v in document.items() if k != "signature"}
        signature = fed.nodes["BA"].signing.sign(canonical_bytes(unsigned))
        document["signature"]["sig"] = b64url_encode(signature)

    return apply


ATTACKS = [
    (
        "tampered header",
        lambda f: lambda doc: doc["header"].update(type="consultation"),
        Reason.ENVELOPE_SIGNATURE_INVALID,
    ),
    (
        "tampered ciphertext",
        lambda f: lambda doc: _flip_b64(doc, "sealed", "ciphertext"),
        Reason.ENVELOPE_SIGNATURE_INVALID,
    ),
    (
        "tampered signature",
        lambda f: lambda doc: _flip_b64(doc, "signature", "sig"),
        Reason.ENVELOPE_SIGNATURE_INVALID,
    ),
    (
        "tampered nonce",
        lambda f: lambda doc: _flip_b64(doc, "sealed", "nonce"),
        Reason.ENVELOPE_SIGNATURE_INVALID,
    ),
    (
        "header moved to another body (re-signed by the sender)",
        lambda f: _resign(f, lambda doc: doc["header"].update(conversation="00000000-0000-4000-8000-000000000000")),
        Reason.DECRYPTION_FAILED,
    ),
    (
        "ciphertext altered and re-signed",
        lambda f: _resign(f, lambda doc: _flip_b64(doc, "sealed", "ciphertext")),
        Reason.DECRYPTION_FAILED,
    ),
    (
        "claims another sender",
        lambda f: lambda doc: doc["header"].update(sender="HR"),
        Reason.SENDER_MISMATCH,
    ),
    ("unknown sender", lambda f: lambda doc: doc["header"].update(sender="XX"), Reason.UNKNOWN_SENDER),
    (
        "unknown key",
        lambda f: lambda doc: doc["header"].update(sender_key="ed25519:AAAAAAAAAAAAAAAAAAAAAA"),
        Reason.UNKNOWN_KEY,
    ),
    (
        "unknown protocol",
        lambda f: lambda doc: doc["header"].update(protocol="mla-exchange/9"),
        Reason.UNSUPPORTED_PROTOCOL,
    ),
    ("unknown member", lambda f: lambda doc: doc.update(extra="x"), Reason.MALFORMED_ENVELOPE),
    ("missing signature", lambda f: lambda doc: doc.pop("signature"), Reason.MALFORMED_ENVELOPE),
]


@pytest.mark.parametrize(("name", "attack", "reason"), ATTACKS, ids=[a[0] for a in ATTACKS])
def test_attacks_on_the_envelope(fed, directory, name, attack, reason):
    raw = _mutate(build(fed, directory).raw, attack(fed))
    with pytest.raises(ProtocolError) as caught:
        receive(fed, directory, raw)
    assert caught.value.reason == reason, name


def test_wrong_recipient(fed, directory):
    raw = build(fed, directory).raw
    with pytest.raises(EnvelopeError) as caught:
        receive(fed, directory, raw, node="HR")
    assert caught.value.reason == Reason.WRONG_RECIPIENT


def test_readdressing_inner_content_to_a_third_node_is_detected(fed, directory):
    """RS decrypts BA's content and wraps it, unchanged, in an envelope of its own to HR."""
    original = build(fed, directory)
    rs_key = fed.nodes["RS"].encryption
    content = e.open_envelope(original, {rs_key.kid: rs_key})
    header = e.Header(
        **{
            **original.header.__dict__,
            "recipient": "HR",
            "recipient_key": fed.nodes["HR"].encryption.public.kid,
        }
    )
    from crypto.sealing import seal

    sealed = seal(content.raw, fed.nodes["HR"].encryption.public, canonical_bytes(header.to_json()))
    unsigned = {"typ": e.TYP, "header": header.to_json(), "sealed": e._sealed_json(sealed)}
    # RS cannot sign as BA; even if it could (a compromised outer key), the inner binding catches it.
    signature = fed.nodes["BA"].signing.sign(canonical_bytes(unsigned))
    raw = canonical_bytes({**unsigned, "signature": {"alg": "ed25519", "sig": b64url_encode(signature)}})
    with pytest.raises(EnvelopeError) as caught:
        receive(fed, directory, raw, node="HR")
    assert caught.value.reason == Reason.INNER_BINDING_MISMATCH


def test_expired_and_future_envelopes(fed, directory):
    raw = build(fed, directory, ttl=timedelta(hours=1)).raw
    with pytest.raises(EnvelopeError) as caught:
        receive(fed, directory, raw, now=T0 + timedelta(hours=2))
    assert caught.value.reason == Reason.ENVELOPE_EXPIRED
    with pytest.raises(EnvelopeError) as caught:
        receive(fed, directory, raw, now=T0 - timedelta(hours=1))
    assert caught.value.reason == Reason.ENVELOPE_NOT_YET_VALID


def test_revoked_and_expired_sender_keys(fed):
    revoked = TestNode("ME", "http://127.0.0.1:9200", revoked_at=T0 - timedelta(minutes=1))
    retired = TestNode("MK", "http://127.0.0.1:9201", valid_until=T0 - timedelta(minutes=1))
    fed = with_node(with_node(fed, revoked), retired)
    directory = fed.directory()
    for node, reason in ((revoked, Reason.KEY_REVOKED), (retired, Reason.KEY_EXPIRED)):
        raw = build(fed, directory, sender=node.id, signing_key=node.signing).raw
        with pytest.raises(EnvelopeError) as caught:
            receive(fed, directory, raw)
        assert caught.value.reason == reason


def test_wrong_private_key(fed, directory):
    envelope = build(fed, directory)
    stranger = EncryptionKey.generate()
    with pytest.raises(EnvelopeError) as caught:
        e.open_envelope(envelope, {envelope.header.recipient_key: stranger})
    assert caught.value.reason == Reason.DECRYPTION_FAILED
    with pytest.raises(EnvelopeError) as caught:
        e.open_envelope(envelope, {})
    assert caught.value.reason == Reason.UNKNOWN_RECIPIENT_KEY


def test_sender_refuses_to_sign_an_invalid_body(fed, directory):
    with pytest.raises(ProtocolError) as caught:
        build(fed, directory, body={"question": "missing reference"})
    assert caught.value.reason == Reason.BODY_INVALID
    with pytest.raises(ProtocolError) as caught:
        build(fed, directory, message_type="no.such.type")
    assert caught.value.reason == Reason.UNKNOWN_MESSAGE_TYPE


def test_inner_signature_by_another_key_is_refused(fed, directory):
    """A body re-signed with a key that is not the sender's fails at step 10."""
    envelope = build(fed, directory)
    rs_key = fed.nodes["RS"].encryption
    content = e.open_envelope(envelope, {rs_key.kid: rs_key})
    forged = copy.copy(content)
    object.__setattr__(forged, "signature", SigningKey.generate().sign(content.signed_bytes))
    with pytest.raises(EnvelopeError) as caught:
        e.verify_content(forged, envelope.header, directory)
    assert caught.value.reason == Reason.INNER_SIGNATURE_INVALID


def test_oversized_envelopes_are_refused_before_parsing(fed, directory):
    with pytest.raises(EnvelopeError) as caught:
        e.parse_envelope_bytes(b" " * 100, max_bytes=10)
    assert caught.value.reason == Reason.ENVELOPE_TOO_LARGE


def test_a_lifetime_over_90_days_is_refused_by_the_receiver(fed, directory):
    envelope = build(fed, directory)
    document = envelope.to_json()
    document["header"]["expires"] = "2030-01-01T00:00:00Z"
    with pytest.raises(ProtocolError) as caught:
        e.parse_envelope_bytes(canonical_bytes(document))
    assert caught.value.reason == Reason.MALFORMED_ENVELOPE
    assert "90 days" in caught.value.message


@pytest.mark.parametrize(
    "body",
    [
        {**BODY, "language": "sr-Cyrl\n"},
        {**BODY, "language": "serbian"},
    ],
    ids=["trailing newline", "not a tag"],
)
def test_language_tags_are_matched_whole(fed, directory, body):
    with pytest.raises(ProtocolError) as caught:
        build(fed, directory, body=body)
    assert caught.value.reason == Reason.BODY_INVALID


@pytest.mark.parametrize("when", ["20270115", "2027-W03-5", "2027-1-15", "２０２７-01-15"])
def test_dates_have_one_spelling(fed, directory, when):
    reply = {
        "our_reference": "R-1",
        "state": "received",
        "message": "ok",
        "language": "en",
        "expected_completion": when,
    }
    with pytest.raises(ProtocolError):
        build(fed, directory, message_type="status.reply", body=reply)


def test_envelopes_sealed_to_our_revoked_or_retired_key(fed):
    """RS revoked its encryption key an hour ago; a sender with a stale directory still uses it."""
    from protocols.v1 import directory as d

    rs = fed.nodes["RS"]
    old = rs.encryption.public.raw

    def directory_with(revoked_at=None, valid_until=None):
        nodes = [node.entry() for node in fed.nodes.values() if node.id != "RS"]
        entry = rs.entry()
        keys = (
            entry.keys[0],
            d.KeyEntry(entry.keys[1].kid, "x25519", old, entry.keys[1].valid_from, valid_until, revoked_at),
        )
        nodes.append(d.NodeEntry(**{**entry.__dict__, "keys": keys}))
        return fed.directory(nodes=nodes)

    stale = fed.directory()
    sealed_now = build(fed, stale, created=T0)
    for current, reason in (
        (directory_with(revoked_at=T0 - timedelta(hours=1)), Reason.KEY_REVOKED),
        (directory_with(valid_until=T0 - timedelta(hours=1)), Reason.KEY_EXPIRED),
    ):
        with pytest.raises(EnvelopeError) as caught:
            e.verify_envelope(sealed_now, current, our_node="RS", now=T0 + timedelta(seconds=5))
        assert caught.value.reason == reason
    # Sealed before the key retired: still accepted (that is what rotation relies on).
    sealed_before = build(fed, stale, created=T0 - timedelta(hours=2))
    e.verify_envelope(sealed_before, directory_with(valid_until=T0 - timedelta(hours=1)), our_node="RS", now=T0)


@pytest.mark.parametrize(
    ("sender", "recipient", "refused"),
    [("HR", "SI", False), ("SI", "HR", False), ("RS", "HR", True), ("HR", "BA", True), ("DK", "HR", True)],
)
def test_an_eio_passes_only_between_states_bound_by_the_directive(sender, recipient, refused):
    """A node that skips its own instrument check still cannot make another state execute an EIO."""
    fed = federation("HR", "SI", "RS", "BA", "DK")
    directory = fed.directory()
    approvals = [
        e.Approval("drafter", "u1", "Ana Anić", "DORH", T0),
        e.Approval("approver", "u2", "Ivo Ivić", "Ministarstvo pravosuđa", T0),
    ]
    raw = e.build_envelope(
        sender=sender,
        recipient=recipient,
        message_type="request.eio",
        body=sample("request.eio"),
        signing_key=fed.nodes[sender].signing,
        recipient_key=directory.encryption_key_for(recipient, T0),
        created=T0,
        approvals=approvals,
    ).raw
    if not refused:
        receive(fed, directory, raw, node=recipient)
        return
    # Refused on the clear header and the directory, before anything is decrypted.
    with pytest.raises(EnvelopeError) as caught:
        e.verify_envelope(e.parse_envelope_bytes(raw), directory, our_node=recipient, now=T0 + timedelta(seconds=5))
    assert caught.value.reason == Reason.INSTRUMENT_NOT_APPLICABLE
    assert caught.value.message == f"request.eio cannot pass from {sender} to {recipient}"


def test_a_stored_message_is_rechecked_for_its_signatures_not_for_todays_template_rules(fed, directory):
    """A body accepted under an earlier rule set still proves who signed it when it is opened again."""
    from tests import independent

    ba = fed.nodes["BA"]
    old_rules_body = {**BODY, "our_reference": ""}  # refused by today's template (empty reference)
    document = independent.seal_envelope(
        sender="BA",
        sender_key=independent.Signer(ba.signing.seed),
        recipient="RS",
        recipient_public=directory.encryption_key_for("RS", T0).raw,
        message_type="status.query",
        body=old_rules_body,
        created=T0,
        header_overrides={"sender_key": ba.signing.kid},
    )
    envelope = e.parse_envelope_bytes(canonical_bytes(document))
    rs_key = fed.nodes["RS"].encryption
    content = e.open_envelope(envelope, {rs_key.kid: rs_key})
    e.verify_content_signature(content, envelope.header, directory)  # the signature holds
    with pytest.raises(EnvelopeError) as caught:
        e.verify_content(content, envelope.header, directory)  # a new arrival would be refused
    assert caught.value.reason == Reason.BODY_INVALID
