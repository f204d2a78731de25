"""Signed receipts: the receiver's statement of what it did with an envelope, and when.

A receipt names the envelope by id and by the SHA-256 of its canonical bytes, says accepted,
duplicate or rejected (with a reason code), and is signed by the receiving node. Accepted
receipts are the proof of delivery that starts legal deadlines, so both sides keep them. A
repeated delivery is answered with a `duplicate` receipt that carries the original receipt
unchanged, so the sender always ends up holding the first, deadline-starting statement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from crypto import SignatureError, SigningKey
from crypto.encoding import b64url_encode
from crypto.keys import ED25519
from protocols.canonical import canonical_bytes, parse_strict
from protocols.errors import EnvelopeError, ProtocolError, Reason, ReceiptError
from protocols.timefmt import format_time, truncate
from protocols.v1.directory import Directory
from protocols.v1.envelope import Envelope
from protocols.wire import KEY_ID, MESSAGE_ID, NODE_ID, Reader

TYP = "mla-exchange/receipt+v1"
MAX_DETAIL = 300
MAX_DIGEST = 300
# How far a receipt's time may lie from the sender's clock when it arrives, and before the
# envelope was created: the clock skew the envelope itself tolerates.
CLOCK_SKEW = timedelta(minutes=5)


class Status(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Receipt:
    """A parsed receipt and its canonical bytes."""

    status: Status
    receiver: str
    envelope_id: str | None
    envelope_sha256: bytes | None
    envelope_sender: str | None
    reason: Reason | None
    detail: str | None
    received: datetime
    original: Receipt | None
    request_digest: str | None
    signer_kid: str
    signature: bytes = field(repr=False)
    raw: bytes = field(repr=False)
    signed_bytes: bytes = field(repr=False)

    @property
    def delivered(self) -> bool:
        """Whether the receiver holds the envelope (now or from an earlier delivery)."""
        return self.status in (Status.ACCEPTED, Status.DUPLICATE)

    @property
    def proof(self) -> Receipt:
        """The receipt that proves delivery: the original one when this answers a duplicate."""
        return self.original if self.original is not None else self

    def to_json(self) -> dict[str, Any]:
        result: dict[str, Any] = parse_strict(self.raw)
        return result


def issue_receipt(
    *,
    status: Status,
    receiver: str,
    signing_key: SigningKey,
    received: datetime,
    envelope: Envelope | None = None,
    envelope_id: str | None = None,
    envelope_sha256: bytes | None = None,
    envelope_sender: str | None = None,
    reason: Reason | None = None,
    detail: str | None = None,
    original: Receipt | None = None,
    request_digest: str | None = None,
) -> Receipt:
    """Sign a receipt; `detail` is a short diagnostic that must never contain case content.

    `request_digest` is the Content-Digest field of the request being refused as a whole: it
    binds a rejection that names no envelope to that one request, so it cannot be replayed as the
    answer to another.
    """
    if (status == Status.REJECTED) != (reason is not None):
        raise ValueError("a reason is given exactly when the status is rejected")
    if (status == Status.DUPLICATE) != (original is not None):
        raise ValueError("an original receipt is given exactly when the status is duplicate")
    if envelope is not None:
        envelope_id, envelope_sender = envelope.header.id, envelope.header.sender
        envelope_sha256 = envelope.sha256
    document: dict[str, Any] = {
        "typ": TYP,
        "status": str(status),
        "receiver": receiver,
        "envelope_id": envelope_id,
        "envelope_sha256": None if envelope_sha256 is None else b64url_encode(envelope_sha256),
        "envelope_sender": envelope_sender,
        "reason": None if reason is None else str(reason),
        "detail": None if detail is None else detail[:MAX_DETAIL],
        "received": format_time(truncate(received)),
        "original": None if original is None else original.to_json(),
        "request_digest": request_digest if request_digest and len(request_digest) <= MAX_DIGEST else None,
    }
    signed_bytes = canonical_bytes(document)
    signature = signing_key.sign(signed_bytes)
    document["signature"] = {"kid": signing_key.kid, "alg": ED25519, "sig": b64url_encode(signature)}
    return parse_receipt(document)


def parse_receipt_bytes(data: bytes) -> Receipt:
    try:
        return parse_receipt(parse_strict(data))
    except ReceiptError:
        raise
    except ProtocolError as exc:
        raise ReceiptError(Reason.RECEIPT_INVALID, exc.message) from exc


def parse_receipt(value: Any, *, nested: bool = False) -> Receipt:
    """Read a receipt's structure; its signature is checked by `verify_receipt`."""
    top = Reader(value, Reason.RECEIPT_INVALID)
    top.only(
        "typ", "status", "receiver", "envelope_id", "envelope_sha256", "envelope_sender", "reason",
        "detail", "received", "original", "request_digest", "signature",
    )  # fmt: skip
    top.const("typ", TYP)
    try:
        status = Status(top.text("status"))
        reason_text = top.optional_text("reason", max_len=64)
        reason = None if reason_text is None else Reason(reason_text)
    except ValueError as exc:
        raise ReceiptError(Reason.RECEIPT_INVALID, "unknown status or reason") from exc
    if (status == Status.REJECTED) != (reason is not None):
        raise ReceiptError(Reason.RECEIPT_INVALID, "reason must be given exactly for rejections")
    original = None
    if top.has("original"):
        if nested:
            raise ReceiptError(Reason.RECEIPT_INVALID, "receipts nest at most one level")
        original = parse_receipt(value["original"], nested=True)
        if original.status != Status.ACCEPTED:
            raise ReceiptError(Reason.RECEIPT_INVALID, "a duplicate receipt carries the original acceptance")
    if (status == Status.DUPLICATE) != (original is not None):
        raise ReceiptError(Reason.RECEIPT_INVALID, "original must be given exactly for duplicates")
    sig = top.obj("signature")
    sig.only("kid", "alg", "sig")
    sig.const("alg", ED25519)
    sha = None if not top.has("envelope_sha256") else top.binary("envelope_sha256", size=32)
    unsigned = {k: v for k, v in value.items() if k != "signature"}
    return Receipt(
        status=status,
        receiver=top.text("receiver", pattern=NODE_ID),
        envelope_id=top.optional_text("envelope_id", pattern=MESSAGE_ID),
        envelope_sha256=sha,
        envelope_sender=top.optional_text("envelope_sender", pattern=NODE_ID),
        reason=reason,
        detail=top.optional_text("detail", max_len=MAX_DETAIL),
        received=top.timestamp("received"),
        original=original,
        request_digest=top.optional_text("request_digest", max_len=MAX_DIGEST),
        signer_kid=sig.text("kid", pattern=KEY_ID),
        signature=sig.binary("sig", size=64),
        raw=canonical_bytes(value),
        signed_bytes=canonical_bytes(unsigned),
    )


def verify_receipt(
    receipt: Receipt,
    directory: Directory,
    *,
    receiver: str,
    envelope_id: str | None = None,
    envelope_sha256: bytes | None = None,
    envelope_sender: str | None = None,
    lifetime: tuple[datetime, datetime] | None = None,
    now: datetime | None = None,
) -> None:
    """Raise ReceiptError unless `receipt` is signed by `receiver` and answers the named envelope.

    A duplicate receipt's original must itself verify and answer the same envelope, because the
    original is what the sender keeps as proof of delivery. With `lifetime` (the envelope's
    created and expires), an acceptance must be dated within it: a receiver's key stolen and then
    revoked cannot backdate a proof of delivery for an envelope made after the revocation. With
    `now` (a sender reading a live answer), the receipt must be dated about now.
    """
    for item in (receipt, receipt.original) if receipt.original is not None else (receipt,):
        if item.receiver != receiver:
            raise ReceiptError(Reason.RECEIPT_MISMATCH, "receipt is from another node")
        try:
            _node, key = directory.verify_key_at(item.signer_kid, item.received, node_id=receiver)
            key.verify(item.signed_bytes, item.signature)
        except (EnvelopeError, SignatureError) as exc:
            raise ReceiptError(Reason.RECEIPT_SIGNATURE_INVALID, "receipt signature does not hold") from exc
        if envelope_id is not None and not _answers(item, envelope_id, envelope_sha256):
            raise ReceiptError(Reason.RECEIPT_MISMATCH, "receipt answers another envelope")
        if envelope_sender is not None and item.envelope_sender not in (None, envelope_sender):
            raise ReceiptError(Reason.RECEIPT_MISMATCH, "receipt names another sender")
        if lifetime is not None and item.status != Status.REJECTED:
            created, expires = lifetime
            if not created - CLOCK_SKEW <= item.received < expires:
                raise ReceiptError(Reason.RECEIPT_MISMATCH, "receipt is dated outside the envelope's lifetime")
    if now is not None and abs(receipt.received - now) > CLOCK_SKEW:
        raise ReceiptError(Reason.RECEIPT_MISMATCH, "receipt is not dated now")


def _answers(receipt: Receipt, envelope_id: str, envelope_sha256: bytes | None) -> bool:
    """Whether `receipt` is about the envelope: by id and hash, or by id alone for a rejection.

    A rejection may come before the receiver could parse the envelope, so it may name no hash
    (or no id at all, when even the request could not be read).
    """
    if receipt.status == Status.REJECTED:
        return receipt.envelope_id in (None, envelope_id)
    return receipt.envelope_id == envelope_id and receipt.envelope_sha256 == envelope_sha256
