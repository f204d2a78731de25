"""The v1 envelope: sign, encrypt, sign.

    content   = {typ, message_id, type, sender, recipient, created, conversation, in_reply_to,
                 body, approvals, handling, signature}          <- inner signature (sender node)
    header    = {protocol, id, type, sender, recipient, created, expires, conversation,
                 in_reply_to, sender_key, recipient_key, suite}  <- in clear
    sealed    = seal(JCS(content), recipient encryption key, aad = JCS(header))
    envelope  = {typ, header, sealed: {epk, nonce, ciphertext}, signature}  <- outer signature

The inner signature covers the body *and* the recipient, so a receiver cannot re-address the
content to a third node and pass it off as sent there; it is what a court can check later. The
outer signature lets a receiver refuse a forged or altered envelope before decrypting anything.
The header is the AEAD's associated data, so a header cannot be moved onto another body.
Every signed byte string is RFC 8785 canonical JSON and names its own type (`typ`).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from crypto import DecryptionError, EncryptionKey, EncryptionPublicKey, SignatureError, SigningKey
from crypto.encoding import b64url_encode
from crypto.keys import ED25519
from crypto.sealing import SUITE, Sealed, open_sealed, seal
from protocols import registry
from protocols.canonical import canonical_bytes, parse_strict
from protocols.errors import EnvelopeError, ProtocolError, Reason
from protocols.timefmt import format_time, truncate
from protocols.v1.directory import Directory, NodeEntry
from protocols.wire import KEY_ID, MESSAGE_ID, NODE_ID, Reader

TYP = "mla-exchange/envelope+v1"
CONTENT_TYP = "mla-exchange/content+v1"
MAX_ENVELOPE_BYTES = 2 * 1024 * 1024
MAX_APPROVALS = 20
# Tolerated clock difference when judging whether an envelope was created in the future.
CLOCK_SKEW = timedelta(minutes=5)
DEFAULT_TTL = timedelta(days=14)
MAX_TTL = timedelta(days=90)

CONFIDENTIALITY = ("standard", "confidential", "strictly_confidential")
ONWARD_TRANSFER = ("prohibited", "with_prior_consent", "permitted")
APPROVAL_ROLES = ("drafter", "approver")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def new_message_id() -> str:
    """A fresh message id: a random (version 4) UUID in lowercase canonical form."""
    return str(uuid.uuid4())


@dataclass(frozen=True)
class Handling:
    """Conditions that travel with the content and bind everyone who reads it (DESIGN property 6)."""

    confidentiality: str = "confidential"
    purpose: str = "Criminal proceedings named in the message"
    speciality: bool = True  # use limited to the stated purpose (SAP Art. 26; UNTOC 18(19))
    onward_transfer: str = "with_prior_consent"
    retain_until: date | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "confidentiality": self.confidentiality,
            "purpose": self.purpose,
            "speciality": self.speciality,
            "onward_transfer": self.onward_transfer,
            "retain_until": None if self.retain_until is None else self.retain_until.isoformat(),
        }


@dataclass(frozen=True)
class Approval:
    """One step of the approval chain: who drafted, which contact point approved, when."""

    role: str
    user: str
    name: str
    authority: str
    at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "user": self.user,
            "name": self.name,
            "authority": self.authority,
            "at": format_time(self.at),
        }


@dataclass(frozen=True)
class Header:
    """The part of an envelope that travels in clear and is bound to the ciphertext."""

    protocol: str
    id: str
    type: str
    sender: str
    recipient: str
    created: datetime
    expires: datetime
    conversation: str
    in_reply_to: str | None
    sender_key: str
    recipient_key: str
    suite: str = SUITE

    def to_json(self) -> dict[str, Any]:
        return {
            "protocol": self.protocol,
            "id": self.id,
            "type": self.type,
            "sender": self.sender,
            "recipient": self.recipient,
            "created": format_time(self.created),
            "expires": format_time(self.expires),
            "conversation": self.conversation,
            "in_reply_to": self.in_reply_to,
            "sender_key": self.sender_key,
            "recipient_key": self.recipient_key,
            "suite": self.suite,
        }


@dataclass(frozen=True)
class Envelope:
    """A parsed envelope and the exact canonical bytes it stands for."""

    header: Header
    sealed: Sealed
    signature: bytes
    raw: bytes = field(repr=False)
    signed_bytes: bytes = field(repr=False)
    header_bytes: bytes = field(repr=False)  # canonical header: the AEAD's associated data

    @property
    def sha256(self) -> bytes:
        """The envelope hash that receipts name: SHA-256 of the envelope's canonical bytes."""
        return hashlib.sha256(self.raw).digest()

    def to_json(self) -> dict[str, Any]:
        result: dict[str, Any] = parse_strict(self.raw)
        return result


@dataclass(frozen=True)
class Content:
    """The decrypted, inner-signed content of an envelope."""

    message_id: str
    type: str
    sender: str
    recipient: str
    created: datetime
    conversation: str
    in_reply_to: str | None
    body: Mapping[str, Any]
    approvals: tuple[Approval, ...]
    handling: Handling
    signer_kid: str
    signature: bytes = field(repr=False)
    signed_bytes: bytes = field(repr=False)
    raw: bytes = field(repr=False)


# -- building --------------------------------------------------------------------------------


def build_envelope(
    *,
    sender: str,
    recipient: str,
    message_type: str,
    body: Mapping[str, Any],
    signing_key: SigningKey,
    recipient_key: EncryptionPublicKey,
    created: datetime,
    ttl: timedelta = DEFAULT_TTL,
    conversation: str | None = None,
    in_reply_to: str | None = None,
    approvals: Sequence[Approval] = (),
    handling: Handling | None = None,
    message_id: str | None = None,
    protocol: registry.ProtocolVersion = registry.CURRENT,
) -> Envelope:
    """Sign the content, seal it for the recipient, sign the envelope; time is a parameter.

    The body is checked against its message type here as well as at the receiver: a node should
    never sign something its peers must refuse.
    """
    kind = registry.message_type(protocol, message_type)
    errors = kind.body_errors(dict(body))
    if errors:
        raise ProtocolError(
            Reason.BODY_INVALID, f"body does not match {message_type}; check the fields {sorted(errors)}"
        )
    if not timedelta(0) < ttl <= MAX_TTL:
        raise ValueError("ttl must be positive and at most 90 days")
    created = truncate(created)
    message_id = message_id or new_message_id()
    conversation = conversation or message_id
    content: dict[str, Any] = {
        "typ": CONTENT_TYP,
        "message_id": message_id,
        "type": message_type,
        "sender": sender,
        "recipient": recipient,
        "created": format_time(created),
        "conversation": conversation,
        "in_reply_to": in_reply_to,
        "body": dict(body),
        "approvals": [approval.to_json() for approval in approvals],
        "handling": (handling or Handling()).to_json(),
    }
    content["signature"] = _signature(signing_key, canonical_bytes(content))
    plaintext = canonical_bytes(content)
    header = Header(
        protocol=protocol.name,
        id=message_id,
        type=message_type,
        sender=sender,
        recipient=recipient,
        created=created,
        expires=created + ttl,
        conversation=conversation,
        in_reply_to=in_reply_to,
        sender_key=signing_key.kid,
        recipient_key=recipient_key.kid,
    )
    header_bytes = canonical_bytes(header.to_json())
    sealed = seal(plaintext, recipient_key, header_bytes)
    sealed_bytes = canonical_bytes(_sealed_json(sealed))
    signed_bytes = _unsigned_bytes(header_bytes, sealed_bytes)
    signature = signing_key.sign(signed_bytes)
    raw = _envelope_bytes(header_bytes, sealed_bytes, signature)
    return Envelope(header, sealed, signature, raw=raw, signed_bytes=signed_bytes, header_bytes=header_bytes)


# The envelope's member names are fixed ASCII, so its canonical form is the canonical forms of its
# parts joined in sorted member order ("header" < "sealed" < "signature" < "typ"); assembling it
# avoids encoding the same header and ciphertext two or three times.
_TYP_MEMBER = b'"typ":"' + TYP.encode("ascii") + b'"}'


def _unsigned_bytes(header_bytes: bytes, sealed_bytes: bytes) -> bytes:
    return b'{"header":' + header_bytes + b',"sealed":' + sealed_bytes + b"," + _TYP_MEMBER


def _envelope_bytes(header_bytes: bytes, sealed_bytes: bytes, signature: bytes) -> bytes:
    signature_bytes = b'{"alg":"ed25519","sig":"' + b64url_encode(signature).encode("ascii") + b'"}'
    return (
        b'{"header":'
        + header_bytes
        + b',"sealed":'
        + sealed_bytes
        + b',"signature":'
        + signature_bytes
        + b","
        + _TYP_MEMBER
    )


def _signature(key: SigningKey, signed_bytes: bytes) -> dict[str, str]:
    return {"kid": key.kid, "alg": ED25519, "sig": b64url_encode(key.sign(signed_bytes))}


def _sealed_json(sealed: Sealed) -> dict[str, str]:
    return {
        "epk": sealed.ephemeral.to_text(),
        "nonce": b64url_encode(sealed.nonce),
        "ciphertext": b64url_encode(sealed.ciphertext),
    }


# -- parsing ---------------------------------------------------------------------------------


def parse_envelope_bytes(data: bytes, *, max_bytes: int = MAX_ENVELOPE_BYTES) -> Envelope:
    """Parse an envelope from wire bytes (strict JSON, size-limited)."""
    if len(data) > max_bytes:
        raise EnvelopeError(Reason.ENVELOPE_TOO_LARGE, f"envelope is larger than {max_bytes} bytes")
    return parse_envelope(parse_strict(data), max_bytes=max_bytes)


def parse_envelope(value: Any, *, max_bytes: int = MAX_ENVELOPE_BYTES) -> Envelope:
    """Read the structure of a parsed envelope; no signature or key is checked yet."""
    reason = Reason.MALFORMED_ENVELOPE
    top = Reader(value, reason)
    top.only("typ", "header", "sealed", "signature")
    top.const("typ", TYP)
    header = _read_header(top.obj("header"))
    sealed_reader = top.obj("sealed")
    sealed_reader.only("epk", "nonce", "ciphertext")
    try:
        sealed = Sealed(
            ephemeral=EncryptionPublicKey(sealed_reader.binary("epk", size=32)),
            nonce=sealed_reader.binary("nonce", size=24),
            ciphertext=sealed_reader.binary("ciphertext", max_size=max_bytes),
        )
    except ProtocolError:
        raise
    except ValueError as exc:
        raise EnvelopeError(reason, "sealed part is malformed") from exc
    sig = top.obj("signature")
    sig.only("alg", "sig")
    sig.const("alg", ED25519)
    signature = sig.binary("sig", size=64)
    header_bytes = canonical_bytes(value["header"])
    sealed_bytes = canonical_bytes(value["sealed"])
    raw = _envelope_bytes(header_bytes, sealed_bytes, signature)
    if len(raw) > max_bytes:
        raise EnvelopeError(Reason.ENVELOPE_TOO_LARGE, f"envelope is larger than {max_bytes} bytes")
    signed_bytes = _unsigned_bytes(header_bytes, sealed_bytes)
    return Envelope(header, sealed, signature, raw=raw, signed_bytes=signed_bytes, header_bytes=header_bytes)


def _read_header(reader: Reader) -> Header:
    reader.only(
        "protocol", "id", "type", "sender", "recipient", "created", "expires", "conversation",
        "in_reply_to", "sender_key", "recipient_key", "suite",
    )  # fmt: skip
    protocol = reader.text("protocol", max_len=64)
    registry.protocol(protocol)
    reader.const("suite", SUITE, Reason.UNSUPPORTED_PROTOCOL)
    header = Header(
        protocol=protocol,
        id=reader.text("id", pattern=MESSAGE_ID),
        type=reader.text("type", max_len=64),
        sender=reader.text("sender", pattern=NODE_ID),
        recipient=reader.text("recipient", pattern=NODE_ID),
        created=reader.timestamp("created"),
        expires=reader.timestamp("expires"),
        conversation=reader.text("conversation", pattern=MESSAGE_ID),
        in_reply_to=reader.optional_text("in_reply_to", pattern=MESSAGE_ID),
        sender_key=reader.text("sender_key", pattern=KEY_ID),
        recipient_key=reader.text("recipient_key", pattern=KEY_ID),
    )
    if header.expires <= header.created:
        raise reader.fail("expires", "must be after created")
    if header.expires - header.created > MAX_TTL:
        raise reader.fail("expires", "must be at most 90 days after created")
    return header


# -- the receiver's checks -------------------------------------------------------------------


def verify_envelope(envelope: Envelope, directory: Directory, *, our_node: str, now: datetime) -> NodeEntry:
    """Receiver steps 5 to 7 on the clear parts: envelope signature, recipient, freshness.

    Runs before any decryption, so forged or misaddressed envelopes cost us one signature check.
    Returns the sender's directory entry.
    """
    header = envelope.header
    # Sender known, and its key valid when the envelope says it was made.
    directory.node(header.sender)
    node, key = directory.verify_key_at(header.sender_key, header.created, node_id=header.sender)
    # Step 5: the outer signature over header and ciphertext.
    try:
        key.verify(envelope.signed_bytes, envelope.signature)
    except SignatureError as exc:
        raise EnvelopeError(Reason.ENVELOPE_SIGNATURE_INVALID, "envelope signature does not verify") from exc
    # Step 6: addressed to us, sealed to one of our keys that was usable when it was made. A
    # sender with a stale directory must not keep sealing to a key we revoked (it may be known
    # to an attacker); a key retired by rotation still opens what was sealed before it retired.
    if header.recipient != our_node:
        raise EnvelopeError(Reason.WRONG_RECIPIENT, "envelope is addressed to another node")
    directory.check_encryption_key(our_node, header.recipient_key, header.created)
    # Step 7: fresh.
    if now >= header.expires:
        raise EnvelopeError(Reason.ENVELOPE_EXPIRED, f"envelope expired {format_time(header.expires)}")
    if header.created > now + CLOCK_SKEW:
        raise EnvelopeError(Reason.ENVELOPE_NOT_YET_VALID, "envelope is dated in the future")
    kind = registry.message_type(registry.protocol(header.protocol), header.type)
    if kind.allowed_between is not None:
        # An instrument only some pairs of states may use (the EIO): decided from the directory's
        # countries before anything is decrypted, so a peer cannot make us execute an EIO the law
        # does not give it by skipping its own drafting check.
        theirs, ours = node.country, directory.node(our_node).country
        if not kind.allowed_between(theirs, ours):
            raise EnvelopeError(Reason.INSTRUMENT_NOT_APPLICABLE, f"{header.type} cannot pass from {theirs} to {ours}")
    return node


def open_envelope(envelope: Envelope, keys: Mapping[str, EncryptionKey]) -> Content:
    """Receiver step 9: decrypt with the key the header names and read the content's structure."""
    key = keys.get(envelope.header.recipient_key)
    if key is None:
        raise EnvelopeError(Reason.UNKNOWN_RECIPIENT_KEY, "we hold no private key for recipient_key")
    try:
        plaintext = open_sealed(envelope.sealed, key, envelope.header_bytes)
    except DecryptionError as exc:
        raise EnvelopeError(Reason.DECRYPTION_FAILED, "content cannot be decrypted") from exc
    try:
        return _read_content(parse_strict(plaintext), plaintext)
    except ProtocolError as exc:
        raise EnvelopeError(Reason.MALFORMED_CONTENT, exc.message) from exc


def _read_content(value: Any, raw: bytes) -> Content:
    reason = Reason.MALFORMED_CONTENT
    top = Reader(value, reason)
    top.only(
        "typ", "message_id", "type", "sender", "recipient", "created", "conversation", "in_reply_to",
        "body", "approvals", "handling", "signature",
    )  # fmt: skip
    top.const("typ", CONTENT_TYP)
    body = top.raw("body")
    if not isinstance(body, dict):
        raise top.fail("body", "must be an object")
    sig = top.obj("signature")
    sig.only("kid", "alg", "sig")
    sig.const("alg", ED25519)
    unsigned = {k: v for k, v in value.items() if k != "signature"}
    return Content(
        message_id=top.text("message_id", pattern=MESSAGE_ID),
        type=top.text("type", max_len=64),
        sender=top.text("sender", pattern=NODE_ID),
        recipient=top.text("recipient", pattern=NODE_ID),
        created=top.timestamp("created"),
        conversation=top.text("conversation", pattern=MESSAGE_ID),
        in_reply_to=top.optional_text("in_reply_to", pattern=MESSAGE_ID),
        body=body,
        approvals=tuple(_read_approval(item) for item in top.objects("approvals", max_items=MAX_APPROVALS)),
        handling=_read_handling(top.obj("handling")),
        signer_kid=sig.text("kid", pattern=KEY_ID),
        signature=sig.binary("sig", size=64),
        signed_bytes=canonical_bytes(unsigned),
        raw=raw,
    )


def _read_approval(reader: Reader) -> Approval:
    reader.only("role", "user", "name", "authority", "at")
    role = reader.text("role")
    if role not in APPROVAL_ROLES:
        raise reader.fail("role", f"must be one of {APPROVAL_ROLES}")
    return Approval(
        role=role,
        user=reader.text("user", max_len=128),
        name=reader.text("name", max_len=200),
        authority=reader.text("authority", max_len=200),
        at=reader.timestamp("at"),
    )


def _read_handling(reader: Reader) -> Handling:
    reader.only("confidentiality", "purpose", "speciality", "onward_transfer", "retain_until")
    confidentiality = reader.text("confidentiality")
    onward = reader.text("onward_transfer")
    if confidentiality not in CONFIDENTIALITY:
        raise reader.fail("confidentiality", f"must be one of {CONFIDENTIALITY}")
    if onward not in ONWARD_TRANSFER:
        raise reader.fail("onward_transfer", f"must be one of {ONWARD_TRANSFER}")
    retain_text = reader.optional_text("retain_until", pattern=_DATE, max_len=10)
    try:
        retain_until = None if retain_text is None else date.fromisoformat(retain_text)
    except ValueError as exc:
        raise reader.fail("retain_until", "must be a date") from exc
    return Handling(
        confidentiality=confidentiality,
        purpose=reader.text("purpose", max_len=2000),
        speciality=reader.boolean("speciality"),
        onward_transfer=onward,
        retain_until=retain_until,
    )


def verify_content(content: Content, header: Header, directory: Directory) -> None:
    """Receiver steps 10 and 11: inner signature, its binding to the header, and the body's type."""
    verify_content_signature(content, header, directory)
    check_body(content, header)


def verify_content_signature(content: Content, header: Header, directory: Directory) -> None:
    """Receiver step 10: the inner signature and its binding to the header.

    The inner signature must be by a key of the header's sender valid when the content was made;
    every field the header repeats must match, so a header cannot be swapped around content
    signed for another message or another recipient.
    """
    try:
        _node, key = directory.verify_key_at(content.signer_kid, content.created, node_id=header.sender)
    except EnvelopeError as exc:
        if exc.reason == Reason.SENDER_MISMATCH:
            raise EnvelopeError(Reason.INNER_SIGNATURE_INVALID, "content is signed by another node") from exc
        raise
    try:
        key.verify(content.signed_bytes, content.signature)
    except SignatureError as exc:
        raise EnvelopeError(Reason.INNER_SIGNATURE_INVALID, "content signature does not verify") from exc
    bound = {
        "message_id": (content.message_id, header.id),
        "type": (content.type, header.type),
        "sender": (content.sender, header.sender),
        "recipient": (content.recipient, header.recipient),
        "created": (content.created, header.created),
        "conversation": (content.conversation, header.conversation),
        "in_reply_to": (content.in_reply_to, header.in_reply_to),
    }
    mismatched = sorted(name for name, (inner, outer) in bound.items() if inner != outer)
    if mismatched:
        raise EnvelopeError(Reason.INNER_BINDING_MISMATCH, f"content disagrees with the header on {mismatched}")


def check_body(content: Content, header: Header) -> None:
    """Receiver step 11: the body against its message type's template, and the approval chain.

    Run once, when the envelope arrives. A stored message opened again later is checked by
    `verify_content_signature` alone: its signatures still prove what was sent, while the rules
    of a template may have been tightened since it was accepted.
    """
    kind = registry.message_type(registry.protocol(header.protocol), header.type)
    errors = kind.body_errors(dict(content.body))
    if errors:
        # Field names only: the values are case content and must not reach logs or receipts.
        raise EnvelopeError(Reason.BODY_INVALID, f"body does not match {header.type}: fields {sorted(errors)}")
    if kind.requires_approval:
        _check_approvals(content.approvals)


def _check_approvals(approvals: Sequence[Approval]) -> None:
    drafters = {a.user for a in approvals if a.role == "drafter"}
    approvers = {a.user for a in approvals if a.role == "approver"}
    if not drafters or not approvers or not approvers - drafters:
        raise EnvelopeError(Reason.BODY_INVALID, "approval chain needs a drafter and a different approver")
