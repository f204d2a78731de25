"""The receiving side of `POST /federation/v1/envelopes`: the numbered checks, then the inbox.

Request level, once per HTTP request:
    1. HTTP signature (RFC 9421, our profile) by a key listed in the directory
    2. Content-Digest (RFC 9530) matches the body
    3. nonce not seen before for that key
    4. the signing node is known and its key valid at the signature's `created`
Envelope level, for each envelope in the request:
    5. envelope signature by the sender (who must be the node that signed the request)
    6. recipient is us
    7. not expired, not dated in the future
    8. id not seen: a byte-identical repeat gets a duplicate receipt carrying the original;
       the same id with other bytes is refused
    9. decrypt with the key the header names
   10. inner signature by the sender, bound to the header
   11. body valid for its message type
Then the envelope (still sealed) and our signed receipt are stored together, once: the unique
(sender, message id) constraint makes the effect happen exactly once even when two deliveries
of the same envelope race. A refused envelope leaves nothing stored; its receipt says why.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crypto import VerifyKey
from exchange.federation import hooks, liveness
from exchange.federation.models import InboundEnvelope
from exchange.federation.replay import remember_nonce
from exchange.node import Node
from protocols.canonical import canonical_bytes, parse_canonical
from protocols.errors import EnvelopeError, ProtocolError, Reason
from protocols.timefmt import format_time
from protocols.v1 import httpsig
from protocols.v1.directory import Directory, NodeEntry
from protocols.v1.envelope import (
    Content,
    Envelope,
    open_envelope,
    parse_envelope,
    parse_envelope_bytes,
    verify_content,
    verify_envelope,
)
from protocols.v1.receipt import Receipt, Status, issue_receipt, parse_receipt_bytes
from protocols.wire import MESSAGE_ID

log = logging.getLogger(__name__)

BATCH_TYP = "mla-exchange/batch+v1"
PING_TYP = "mla-exchange/ping+v1"
PONG_TYP = "mla-exchange/pong+v1"
RECEIPTS_TYP = "mla-exchange/receipts+v1"
ENVELOPE_TYP = "mla-exchange/envelope+v1"

_REQUEST_STATUS = {
    Reason.MALFORMED_REQUEST: 400,
    Reason.MALFORMED_JSON: 400,
    Reason.NON_CANONICAL_JSON: 400,
    Reason.DIGEST_MISMATCH: 400,
    Reason.HTTP_SIGNATURE_MISSING: 401,
    Reason.HTTP_SIGNATURE_INVALID: 401,
    Reason.HTTP_SIGNATURE_EXPIRED: 401,
    Reason.UNKNOWN_KEY: 401,
    Reason.UNKNOWN_SENDER: 401,
    Reason.KEY_EXPIRED: 401,
    Reason.KEY_REVOKED: 401,
    Reason.KEY_NOT_YET_VALID: 401,
    Reason.WRONG_AUTHORITY: 421,
    Reason.REPLAYED_REQUEST: 409,
    Reason.PAYLOAD_TOO_LARGE: 413,
    Reason.BATCH_TOO_LARGE: 413,
    Reason.UNSUPPORTED_MEDIA_TYPE: 415,
    Reason.TEMPORARILY_UNAVAILABLE: 503,
}


@dataclass(frozen=True)
class Answer:
    """What to send back: an HTTP status and a canonical JSON document."""

    status: int
    document: Any
    peer: str | None = None

    @property
    def body(self) -> bytes:
        return canonical_bytes(self.document)


def authenticate(node: Node, request: httpsig.HttpRequest, body: bytes, now: datetime) -> NodeEntry:
    """Steps 1 to 4; returns the directory entry of the node that signed the request."""
    directory = node.directory.current()

    def lookup(kid: str) -> VerifyKey:
        _node, key = directory.signing_key(kid)
        return VerifyKey(key.public)

    # Steps 1 and 2: the signature, then the digest of the bytes we actually received.
    verified = httpsig.verify_request(request, body, lookup, now=now, expected_authority=node.own_authority())
    # Step 3: a nonce is usable once. Checked only after the signature holds, so nobody can
    # burn the nonces of requests they could not have signed.
    if not remember_nonce(node.db, verified.keyid, verified.nonce, verified.expires):
        raise EnvelopeError(Reason.REPLAYED_REQUEST, "this request was already received")
    # Step 4: the key must be valid (not expired, not revoked) when the request was signed.
    sender, _key = directory.verify_key_at(verified.keyid, verified.created)
    return sender


def request_rejection(node: Node, error: ProtocolError, now: datetime, request_digest: str | None = None) -> Answer:
    """A signed rejection for a request we could not authenticate or read at all.

    It names the request's Content-Digest (as received, checked or not), so the sender can tell
    it answers this request and not another one whose rejection someone replays.
    """
    receipt = issue_receipt(
        status=Status.REJECTED,
        receiver=node.id,
        signing_key=node.identity.signing_key,
        received=now,
        reason=error.reason,
        detail=error.message,
        request_digest=request_digest,
    )
    return Answer(_REQUEST_STATUS.get(error.reason, 400), receipt.to_json())


def receive_envelopes(node: Node, request: httpsig.HttpRequest, body: bytes) -> Answer:
    """Handle one `POST /federation/v1/envelopes` from authentication to receipts."""
    now = node.clock.now()
    try:
        sender = authenticate(node, request, body, now)
        # One byte form: the body must already be RFC 8785 canonical. A canonical batch implies
        # canonical envelopes, so the bytes we hash are the bytes the sender hashed.
        payload = parse_canonical(body)
        items, single = _split(payload, node.settings.max_batch)
    except ProtocolError as exc:
        log.info("refused a request: %s", exc.reason)
        return request_rejection(node, exc, now, request.headers.get("Content-Digest"))
    directory = node.directory.current()
    with node.transaction() as session:
        liveness.peer_seen(session, sender.id, now)
        digest = request.headers.get("Content-Digest") if single else None
        receipts = _Receiver(node, session, directory, sender.id, now, digest).receive(items)
    if single:
        receipt = receipts[0]
        return Answer(422 if receipt.status == Status.REJECTED else 200, receipt.to_json(), sender.id)
    return Answer(200, {"typ": RECEIPTS_TYP, "receipts": [r.to_json() for r in receipts]}, sender.id)


def receive_ping(node: Node, request: httpsig.HttpRequest, body: bytes) -> Answer:
    """`POST /federation/v1/ping`: an authenticated sign of life; flushes what waits for the sender."""
    now = node.clock.now()
    try:
        sender = authenticate(node, request, body, now)
        payload = parse_canonical(body)
        if (
            not isinstance(payload, dict)
            or payload.get("typ") != PING_TYP
            or payload.get("sender") != sender.id
            or payload.get("recipient") != node.id
        ):
            raise ProtocolError(Reason.MALFORMED_REQUEST, "not a ping from the signing node to us")
    except ProtocolError as exc:
        return request_rejection(node, exc, now, request.headers.get("Content-Digest"))
    with node.transaction() as session:
        liveness.peer_seen(session, sender.id, now)
    return Answer(200, {"typ": PONG_TYP, "node": node.id, "received": format_time(now)}, sender.id)


def _split(payload: Any, max_batch: int) -> tuple[list[Any], bool]:
    if not isinstance(payload, dict):
        raise ProtocolError(Reason.MALFORMED_REQUEST, "body must be an envelope or a batch")
    if payload.get("typ") == ENVELOPE_TYP:
        return [payload], True
    if payload.get("typ") == BATCH_TYP and set(payload) == {"typ", "envelopes"}:
        envelopes = payload["envelopes"]
        if not isinstance(envelopes, list) or not envelopes:
            raise ProtocolError(Reason.MALFORMED_REQUEST, "a batch holds a non-empty list of envelopes")
        if len(envelopes) > max_batch:
            raise ProtocolError(Reason.BATCH_TOO_LARGE, f"a batch holds at most {max_batch} envelopes")
        return envelopes, False
    raise ProtocolError(Reason.MALFORMED_REQUEST, "body must be an envelope or a batch")


def _claimed_id(item: Any) -> str | None:
    """The message id an unreadable envelope claims, if it looks like one (for the rejection)."""
    header = item.get("header") if isinstance(item, dict) else None
    candidate = header.get("id") if isinstance(header, dict) else None
    return candidate if isinstance(candidate, str) and MESSAGE_ID.fullmatch(candidate) else None


@dataclass
class _Receiver:
    """The envelopes of one request, taken through steps 5 to 11 and stored together."""

    node: Node
    session: Session
    directory: Directory
    sender: str
    now: datetime
    # The request's Content-Digest when it carried a single envelope: a rejection that can name no
    # envelope (it could not be read) then names the request instead, like a whole-request one.
    request_digest: str | None = None

    def receive(self, items: list[Any]) -> list[Receipt]:
        receipts: list[Receipt | None] = [None] * len(items)
        checked: list[tuple[int, Envelope]] = []
        for index, item in enumerate(items):
            outcome = self._check(item)
            if isinstance(outcome, Receipt):
                receipts[index] = outcome
            else:
                checked.append((index, outcome))
        # Step 8 for the whole request at once: one query, not one per envelope.
        seen = self._stored([envelope.header.id for _index, envelope in checked])
        accepted: list[tuple[int, Envelope, Receipt]] = []
        contents: dict[str, Content] = {}
        for index, envelope in checked:
            earlier = seen.get(envelope.header.id)
            if earlier is not None:
                receipts[index] = self._repeat(earlier, envelope)
                continue
            outcome, content = self._open(envelope)
            receipts[index] = outcome
            if content is not None:
                accepted.append((index, envelope, outcome))
                contents[envelope.header.id] = content
        stored = self._store(accepted, receipts)
        failures = {
            envelope.header.id: failure
            for envelope, receipt in stored
            if (
                failure := hand_over(
                    self.node, self.session, self.sender, envelope, contents[envelope.header.id], receipt
                )
            )
        }
        self._mark_handled(
            [envelope.header.id for envelope, _r in stored if envelope.header.id not in failures], failures
        )
        return [receipt for receipt in receipts if receipt is not None]

    def _mark_handled(self, handled: list[str], failures: dict[str, str]) -> None:
        if handled:
            self.session.execute(
                update(InboundEnvelope)
                .where(InboundEnvelope.sender == self.sender, InboundEnvelope.message_id.in_(handled))
                .values(handled_at=self.now, handling_attempts=1)
            )
        for message_id, failure in failures.items():
            self.session.execute(
                update(InboundEnvelope)
                .where(InboundEnvelope.sender == self.sender, InboundEnvelope.message_id == message_id)
                .values(handling_attempts=1, handling_error=failure)
            )

    def _check(self, item: Any) -> Envelope | Receipt:
        """Parsing and steps 5 to 7, on the clear parts only."""
        try:
            envelope = parse_envelope(item, max_bytes=self.node.settings.max_envelope_bytes)
        except ProtocolError as exc:
            return self._reject(exc.reason, exc.message, _claimed_id(item))
        header = envelope.header
        if header.sender != self.sender:
            return self._reject(
                Reason.SENDER_MISMATCH, "envelope sender is not the node that signed the request", header.id
            )
        try:
            verify_envelope(envelope, self.directory, our_node=self.node.id, now=self.now)
        except ProtocolError as exc:
            return self._reject(exc.reason, exc.message, header.id)
        return envelope

    def _open(self, envelope: Envelope) -> tuple[Receipt, Content | None]:
        """Steps 9 to 11: decrypt, inner signature and binding, body; an acceptance or a rejection."""
        try:
            content = open_envelope(envelope, self.node.identity.encryption_keys)
            verify_content(content, envelope.header, self.directory)
        except ProtocolError as exc:
            return self._reject(exc.reason, exc.message, envelope.header.id), None
        return self._issue(Status.ACCEPTED, envelope=envelope), content

    def _store(
        self, accepted: list[tuple[int, Envelope, Receipt]], receipts: list[Receipt | None]
    ) -> list[tuple[Envelope, Receipt]]:
        """Store what was accepted in one insert; per envelope only if a duplicate got in first.

        Returns the envelopes this request stored (not those another delivery stored first).
        """
        if not accepted:
            return []
        try:
            with self.session.begin_nested():
                self.session.add_all([self._row(envelope, receipt) for _index, envelope, receipt in accepted])
        except IntegrityError:
            # A concurrent delivery of one of these envelopes committed first, or the request holds
            # the same envelope twice: store one by one, answering the losers as duplicates.
            for index, envelope, receipt in accepted:
                receipts[index] = self._store_one(envelope, receipt)
        stored = [(envelope, receipt) for index, envelope, receipt in accepted if receipts[index] is receipt]
        for envelope, _receipt in stored:
            log.info("accepted %s %s from %s", envelope.header.type, envelope.header.id, self.sender)
        return stored

    def _store_one(self, envelope: Envelope, receipt: Receipt) -> Receipt:
        try:
            with self.session.begin_nested():
                self.session.add(self._row(envelope, receipt))
        except IntegrityError:
            earlier = self._stored([envelope.header.id]).get(envelope.header.id)
            if earlier is None:
                raise
            return self._repeat(earlier, envelope)
        return receipt

    def _row(self, envelope: Envelope, receipt: Receipt) -> InboundEnvelope:
        header = envelope.header
        return InboundEnvelope(
            sender=self.sender,
            message_id=header.id,
            message_type=header.type,
            conversation_id=header.conversation,
            in_reply_to=header.in_reply_to,
            created_at=header.created,
            expires_at=header.expires,
            received_at=self.now,
            envelope=envelope.raw,
            envelope_sha256=envelope.sha256,
            receipt=receipt.raw,
        )

    def _stored(self, message_ids: list[str]) -> dict[str, InboundEnvelope]:
        if not message_ids:
            return {}
        rows = self.session.scalars(
            select(InboundEnvelope).where(
                InboundEnvelope.sender == self.sender, InboundEnvelope.message_id.in_(message_ids)
            )
        )
        return {row.message_id: row for row in rows}

    def _repeat(self, earlier: InboundEnvelope, envelope: Envelope) -> Receipt:
        """The same bytes again: a duplicate receipt carrying the original. Other bytes: refused."""
        if earlier.envelope_sha256 != envelope.sha256:
            return self._reject(
                Reason.MESSAGE_ID_REUSED, "this message id was used for another envelope", envelope.header.id
            )
        return self._issue(
            Status.DUPLICATE,
            envelope_id=envelope.header.id,
            envelope_sha256=envelope.sha256,
            envelope_sender=self.sender,
            original=parse_receipt_bytes(earlier.receipt),
        )

    def _issue(self, status: Status, **details: Any) -> Receipt:
        """A receipt signed by this node, dated now."""
        return issue_receipt(
            status=status,
            receiver=self.node.id,
            signing_key=self.node.identity.signing_key,
            received=self.now,
            **details,
        )

    def _reject(self, reason: Reason, detail: str, envelope_id: str | None = None) -> Receipt:
        log.info("refused envelope %s from %s: %s", envelope_id or "?", self.sender, reason)
        return self._issue(
            Status.REJECTED,
            envelope_id=envelope_id,
            envelope_sender=self.sender,
            reason=reason,
            detail=detail,
            request_digest=self.request_digest if envelope_id is None else None,
        )


def hand_over(
    node: Node, session: Session, sender: str, envelope: Envelope, content: Content, receipt: Receipt
) -> str | None:
    """Give a stored envelope to the node's own handling; the failure's name, or None."""
    return hooks.received(node, session, hooks.Arrival(sender, envelope, content, receipt))


# After this many failed attempts an unhandled message waits for an operator (it stays listed).
MAX_HANDLING_ATTEMPTS = 20


def retry_unhandled(node: Node, now: datetime, *, limit: int = 100) -> int:
    """Hand over again the stored envelopes whose handling failed; returns how many succeeded.

    Each one in its own transaction with its row locked, so two sweepers never hand the same
    message over twice, and one bad message does not hold up the others.
    """
    with node.db.sessions() as session:
        candidates = list(
            session.scalars(
                select(InboundEnvelope.id)
                .where(
                    InboundEnvelope.handled_at.is_(None),
                    InboundEnvelope.handling_attempts < MAX_HANDLING_ATTEMPTS,
                )
                .order_by(InboundEnvelope.id)
                .limit(limit)
            )
        )
    succeeded = 0
    for row_id in candidates:
        with node.transaction() as session:
            row = session.scalar(
                select(InboundEnvelope)
                .where(InboundEnvelope.id == row_id, InboundEnvelope.handled_at.is_(None))
                .with_for_update(skip_locked=True)
            )
            if row is None:
                continue
            row.handling_attempts += 1
            try:
                envelope = parse_envelope_bytes(row.envelope, max_bytes=max(len(row.envelope), 1))
                content = open_envelope(envelope, node.identity.encryption_keys)
                receipt = parse_receipt_bytes(row.receipt)
            except ProtocolError as exc:
                # Stored by us after every check passed, so this means our keys are gone: say so.
                row.handling_error = f"cannot open: {exc.reason}"
                log.error(
                    "stored envelope %s from %s cannot be opened again: %s", row.message_id, row.sender, exc.reason
                )
                continue
            failure = hand_over(node, session, row.sender, envelope, content, receipt)
            if failure is None:
                row.handled_at, row.handling_error = now, None
                succeeded += 1
            else:
                row.handling_error = failure
    return succeeded
