"""Signed receipts: what the sender may rely on as proof of delivery."""

from __future__ import annotations

import pytest

from protocols.canonical import canonical_bytes
from protocols.errors import ProtocolError, Reason, ReceiptError
from protocols.v1 import receipt as r
from tests.factories import T0, federation
from tests.unit.protocols.test_envelope import build


@pytest.fixture
def fed():
    return federation("BA", "RS", "HR")


@pytest.fixture
def directory(fed):
    return fed.directory()


@pytest.fixture
def envelope(fed, directory):
    return build(fed, directory)


def issue(fed, envelope, **kwargs):
    args = dict(
        status=r.Status.ACCEPTED,
        receiver="RS",
        signing_key=fed.nodes["RS"].signing,
        received=T0,
        envelope=envelope,
    )
    args.update(kwargs)
    return r.issue_receipt(**args)


def test_accepted_receipt_verifies_and_round_trips(fed, directory, envelope):
    receipt = issue(fed, envelope)
    parsed = r.parse_receipt_bytes(receipt.raw)
    r.verify_receipt(parsed, directory, receiver="RS", envelope_id=envelope.header.id, envelope_sha256=envelope.sha256)
    assert parsed.delivered
    assert parsed.proof is parsed
    assert parsed.envelope_sha256 == envelope.sha256


def test_duplicate_receipt_carries_the_original(fed, directory, envelope):
    original = issue(fed, envelope)
    duplicate = issue(fed, envelope, status=r.Status.DUPLICATE, original=original)
    parsed = r.parse_receipt_bytes(duplicate.raw)
    r.verify_receipt(parsed, directory, receiver="RS", envelope_id=envelope.header.id, envelope_sha256=envelope.sha256)
    assert parsed.proof.raw == original.raw


def test_rejection_names_its_reason(fed, directory, envelope):
    receipt = issue(fed, envelope, status=r.Status.REJECTED, reason=Reason.BODY_INVALID, detail="fields ['question']")
    parsed = r.parse_receipt_bytes(receipt.raw)
    r.verify_receipt(parsed, directory, receiver="RS", envelope_id=envelope.header.id, envelope_sha256=envelope.sha256)
    assert not parsed.delivered
    assert parsed.reason == Reason.BODY_INVALID


@pytest.mark.parametrize(
    ("name", "make", "reason"),
    [
        (
            "signed by another node",
            lambda f, e: issue(f, e, signing_key=f.nodes["HR"].signing),
            Reason.RECEIPT_SIGNATURE_INVALID,
        ),
        (
            "claims another receiver",
            lambda f, e: issue(f, e, receiver="HR", signing_key=f.nodes["HR"].signing),
            Reason.RECEIPT_MISMATCH,
        ),
        ("answers another envelope", lambda f, e: issue(f, build(f, f.directory())), Reason.RECEIPT_MISMATCH),
        (
            "duplicate whose original answers another envelope",
            lambda f, e: issue(f, e, status=r.Status.DUPLICATE, original=issue(f, build(f, f.directory()))),
            Reason.RECEIPT_MISMATCH,
        ),
    ],
)
def test_receipts_the_sender_must_not_rely_on(fed, directory, envelope, name, make, reason):
    with pytest.raises(ReceiptError) as caught:
        r.verify_receipt(
            r.parse_receipt_bytes(make(fed, envelope).raw),
            directory,
            receiver="RS",
            envelope_id=envelope.header.id,
            envelope_sha256=envelope.sha256,
        )
    assert caught.value.reason == reason, name


def test_tampered_receipt_fails(fed, directory, envelope):
    document = issue(fed, envelope).to_json()
    document["received"] = "2030-01-01T00:00:00Z"
    with pytest.raises(ReceiptError) as caught:
        r.verify_receipt(
            r.parse_receipt_bytes(canonical_bytes(document)),
            directory,
            receiver="RS",
            envelope_id=envelope.header.id,
            envelope_sha256=envelope.sha256,
        )
    assert caught.value.reason == Reason.RECEIPT_SIGNATURE_INVALID


@pytest.mark.parametrize(
    "edit",
    [
        lambda doc: doc.update(status="maybe"),
        lambda doc: doc.update(reason="body_invalid"),  # a reason on an acceptance
        lambda doc: doc.update(extra=1),
        lambda doc: doc.update(original=doc.copy()),  # a duplicate-shaped original on an acceptance
    ],
)
def test_malformed_receipts(fed, envelope, edit):
    document = issue(fed, envelope).to_json()
    edit(document)
    with pytest.raises(ProtocolError):
        r.parse_receipt_bytes(canonical_bytes(document))


def test_a_duplicate_must_carry_an_acceptance(fed, envelope):
    rejection = issue(fed, envelope, status=r.Status.REJECTED, reason=Reason.BODY_INVALID)
    document = issue(fed, envelope).to_json()
    document.update(status="duplicate", original=rejection.to_json())
    with pytest.raises(ProtocolError) as caught:
        r.parse_receipt_bytes(canonical_bytes(document))
    assert caught.value.reason == Reason.RECEIPT_INVALID


def test_an_acceptance_must_be_dated_within_the_envelopes_lifetime(fed, directory, envelope):
    """A stolen, later revoked, receiver key cannot backdate a proof of delivery."""
    from datetime import timedelta

    backdated = issue(fed, envelope, received=T0 - timedelta(days=1))
    lifetime = (envelope.header.created, envelope.header.expires)
    r.verify_receipt(
        backdated, directory, receiver="RS", envelope_id=envelope.header.id, envelope_sha256=envelope.sha256
    )
    with pytest.raises(ReceiptError) as caught:
        r.verify_receipt(
            backdated,
            directory,
            receiver="RS",
            envelope_id=envelope.header.id,
            envelope_sha256=envelope.sha256,
            lifetime=lifetime,
        )
    assert caught.value.reason == Reason.RECEIPT_MISMATCH
    with pytest.raises(ReceiptError):
        r.verify_receipt(issue(fed, envelope), directory, receiver="RS", now=T0 + timedelta(hours=1))
    r.verify_receipt(issue(fed, envelope), directory, receiver="RS", lifetime=lifetime, now=T0 + timedelta(seconds=30))


def test_a_receipt_naming_another_sender_is_refused(fed, directory, envelope):
    with pytest.raises(ReceiptError) as caught:
        r.verify_receipt(issue(fed, envelope), directory, receiver="RS", envelope_sender="HR")
    assert caught.value.reason == Reason.RECEIPT_MISMATCH


def test_offline_verification_wants_the_recipients_receipt(fed, directory, envelope):
    """The sender signing an 'acceptance' of its own envelope proves nothing."""
    from protocols.v1.offline import verify_artifacts

    self_signed = issue(fed, envelope, receiver="BA", signing_key=fed.nodes["BA"].signing)
    report = verify_artifacts(directory.raw, envelope_raw=envelope.raw, receipt_raw=self_signed.raw)
    assert not report.ok
    assert "receipt_mismatch" in report.text()
    genuine = verify_artifacts(directory.raw, envelope_raw=envelope.raw, receipt_raw=issue(fed, envelope).raw)
    assert genuine.ok, genuine.text()
