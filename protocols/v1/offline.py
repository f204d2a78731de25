"""Offline verification of saved artifacts: who sent what to whom and when, and do the signatures hold.

Given a directory file the verifier trusts, an envelope and/or a receipt (and optionally the
recipient's private keys, to open the content and check the inner signature) this produces a
report a person can read, or a court clerk can attach to a file. It checks signatures as of the
times the artifacts state, not as of today: an expired directory or a key retired since still
proves what was signed while it was valid.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from crypto import EncryptionKey, SignatureError
from crypto.encoding import b64url_encode
from protocols.errors import ProtocolError
from protocols.text import printable
from protocols.timefmt import format_time
from protocols.v1.directory import Directory, count_signatures, parse_directory
from protocols.v1.envelope import Content, Envelope, open_envelope, parse_envelope_bytes, verify_content
from protocols.v1.receipt import Receipt, Status, parse_receipt_bytes, verify_receipt


@dataclass
class Report:
    """Lines of findings; `ok` only when every check that was possible held."""

    lines: list[str] = field(default_factory=list)
    failures: int = 0
    content: Content | None = None

    def good(self, text: str) -> None:
        self.lines.append(f"  OK    {text}")

    def bad(self, text: str) -> None:
        self.failures += 1
        self.lines.append(f"  FAIL  {text}")

    def info(self, text: str) -> None:
        self.lines.append(text)

    @property
    def ok(self) -> bool:
        return self.failures == 0

    def text(self) -> str:
        verdict = "All signatures hold." if self.ok else f"{self.failures} check(s) FAILED."
        return "\n".join([*self.lines, "", verdict])


def _describe(directory: Directory, node_id: str) -> str:
    return f"{node_id} ({directory.node(node_id).name})" if directory.has_node(node_id) else node_id


def check_directory(raw: bytes, report: Report) -> Directory | None:
    try:
        directory = parse_directory(raw)
    except ProtocolError as exc:
        report.bad(f"directory cannot be read: {exc.reason} ({exc.message})")
        return None
    result = count_signatures(directory, directory.governance)
    report.info(
        f"Directory {directory.federation} v{directory.version}, issued {format_time(directory.issued)}, "
        f"expires {format_time(directory.expires)}"
    )
    if result.met:
        report.good(f"directory governance signatures: {result.describe()}")
    else:
        report.bad(f"directory governance signatures: {result.describe()}")
    return directory


def check_envelope(
    raw: bytes, directory: Directory, report: Report, keys: Mapping[str, EncryptionKey]
) -> Envelope | None:
    try:
        envelope = parse_envelope_bytes(raw, max_bytes=64 * 1024 * 1024)
    except ProtocolError as exc:
        report.bad(f"envelope cannot be read: {exc.reason} ({exc.message})")
        return None
    header = envelope.header
    report.info("")
    report.info(f"Envelope {header.id} ({header.type}, {header.protocol})")
    report.info(f"  from {_describe(directory, header.sender)} to {_describe(directory, header.recipient)}")
    report.info(f"  created {format_time(header.created)}, expires {format_time(header.expires)}")
    report.info(
        f"  conversation {header.conversation}" + (f", in reply to {header.in_reply_to}" if header.in_reply_to else "")
    )
    report.info(f"  envelope SHA-256 {b64url_encode(envelope.sha256)}")
    try:
        node, key = directory.verify_key_at(header.sender_key, header.created, node_id=header.sender)
        key.verify(envelope.signed_bytes, envelope.signature)
        report.good(
            f"envelope signature by {node.id} (key {header.sender_key}, valid at {format_time(header.created)})"
        )
    except (ProtocolError, SignatureError) as exc:
        report.bad(f"envelope signature: {getattr(exc, 'reason', 'does not verify')}")
    if header.recipient_key not in keys:
        report.info(f"  content: sealed for {header.recipient} ({header.recipient_key}); not opened (no key given)")
        return envelope
    try:
        content = open_envelope(envelope, keys)
        verify_content(content, header, directory)
        report.content = content
        report.good(
            f"content opened; inner signature by {header.sender} ({content.signer_kid}) holds and matches the header"
        )
        for approval in content.approvals:
            who = printable(f"{approval.name}, {approval.authority}")
            report.info(f"  {approval.role}: {who}, {format_time(approval.at)}")
        report.info("  body: " + printable(json.dumps(content.body, ensure_ascii=False, sort_keys=True)))
        handling = content.handling
        report.info(
            f"  handling: {handling.confidentiality}, onward transfer {handling.onward_transfer}, "
            f"speciality {'applies' if handling.speciality else 'waived'}"
        )
    except ProtocolError as exc:
        report.bad(f"content: {exc.reason} ({exc.message})")
    return envelope


def check_receipt(raw: bytes, directory: Directory, report: Report, envelope: Envelope | None) -> Receipt | None:
    try:
        receipt = parse_receipt_bytes(raw)
    except ProtocolError as exc:
        report.bad(f"receipt cannot be read: {exc.reason} ({exc.message})")
        return None
    report.info("")
    reason = f" ({receipt.reason})" if receipt.reason else ""
    report.info(
        f"Receipt: {receipt.receiver} {receipt.status}{reason} envelope {receipt.envelope_id} "
        f"at {format_time(receipt.received)}"
    )
    try:
        if envelope is None:
            verify_receipt(receipt, directory, receiver=receipt.receiver)
        else:
            # The proof must come from the envelope's recipient, about this envelope, dated within
            # its lifetime: a receipt the sender signed itself, or one backdated with a key that
            # was revoked later, proves nothing.
            header = envelope.header
            verify_receipt(
                receipt,
                directory,
                receiver=header.recipient,
                envelope_id=header.id,
                envelope_sha256=envelope.sha256,
                envelope_sender=header.sender,
                lifetime=(header.created, header.expires),
            )
        report.good(f"receipt signature by {receipt.receiver} ({receipt.signer_kid})")
        if envelope is not None and receipt.status != Status.REJECTED:
            report.good(f"receipt is from the recipient {receipt.receiver}, names this envelope by id and SHA-256")
        elif envelope is not None:
            named = "this envelope" if receipt.envelope_id == envelope.header.id else "no envelope"
            report.info(f"  the rejection names {named}")
    except ProtocolError as exc:
        report.bad(f"receipt: {exc.reason} ({exc.message})")
    return receipt


def verify_artifacts(
    directory_raw: bytes,
    *,
    envelope_raw: bytes | None = None,
    receipt_raw: bytes | None = None,
    keys: Mapping[str, EncryptionKey] | None = None,
) -> Report:
    """Check a directory and whichever of an envelope and a receipt are given."""
    report = Report()
    directory = check_directory(directory_raw, report)
    if directory is None:
        return report
    envelope = None
    if envelope_raw is not None:
        envelope = check_envelope(envelope_raw, directory, report, keys or {})
    if receipt_raw is not None:
        check_receipt(receipt_raw, directory, report, envelope)
    return report
