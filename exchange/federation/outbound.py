"""Sending: seal and sign a message for a peer and put it in the outbox, in the caller's transaction.

This is the transactional outbox: the envelope row commits together with the business change
that produced it, and the delivery job is handed to the queue only after that commit. Nothing is
sent from inside a transaction, and nothing committed is ever forgotten.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from exchange.federation.models import OutboundEnvelope, OutboxState
from exchange.federation.scheduling import schedule_delivery
from exchange.node import Node
from protocols import registry
from protocols.errors import ProtocolError, Reason
from protocols.v1.envelope import Approval, Handling, build_envelope


def send_message(
    node: Node,
    session: Session,
    *,
    recipient: str,
    message_type: str,
    body: Mapping[str, Any],
    conversation: str | None = None,
    in_reply_to: str | None = None,
    approvals: Sequence[Approval] = (),
    handling: Handling | None = None,
) -> OutboundEnvelope:
    """Build the envelope for `recipient` and queue it; delivery starts after `session` commits."""
    if recipient == node.id:
        raise ProtocolError(Reason.WRONG_RECIPIENT, "a node does not send messages to itself")
    # Four eyes, on the sending side too: a formal act never leaves without its approval chain,
    # whoever calls this (the workflow, an operator's command, a script).
    if registry.message_type(registry.CURRENT, message_type).requires_approval and not approvals:
        raise ProtocolError(
            Reason.BODY_INVALID, f"{message_type} is a formal act: it leaves only approved, through its case"
        )
    now = node.clock.now()
    directory = node.directory.current()
    envelope = build_envelope(
        sender=node.id,
        recipient=recipient,
        message_type=message_type,
        body=body,
        signing_key=node.identity.signing_key,
        recipient_key=directory.encryption_key_for(recipient, now),
        created=now,
        ttl=node.settings.envelope_ttl,
        conversation=conversation,
        in_reply_to=in_reply_to,
        approvals=approvals,
        handling=handling,
    )
    header = envelope.header
    row = OutboundEnvelope(
        id=header.id,
        recipient=recipient,
        message_type=message_type,
        conversation_id=header.conversation,
        in_reply_to=header.in_reply_to,
        created_at=header.created,
        expires_at=header.expires,
        queued_at=now,
        give_up_at=now + node.settings.give_up_after,
        envelope=envelope.raw,
        envelope_sha256=envelope.sha256,
        state=OutboxState.PENDING,
        attempts=0,
        next_attempt_at=now,
        enqueued_at=now,
    )
    session.add(row)
    schedule_delivery(session, recipient)
    return row
