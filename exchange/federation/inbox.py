"""Reading what arrived: envelopes stay sealed at rest and are opened (and re-verified) on demand."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from exchange.errors import NotFound
from exchange.federation.models import InboundEnvelope
from exchange.node import Node
from protocols.v1.envelope import Content, open_envelope, parse_envelope_bytes, verify_content_signature


@dataclass(frozen=True)
class OpenedMessage:
    row: InboundEnvelope
    content: Content


def list_messages(node: Node, *, sender: str | None = None, limit: int = 100) -> list[InboundEnvelope]:
    query = select(InboundEnvelope).order_by(InboundEnvelope.received_at.desc(), InboundEnvelope.id.desc()).limit(limit)
    if sender is not None:
        query = query.where(InboundEnvelope.sender == sender)
    with node.db.sessions() as session:
        return list(session.scalars(query))


def open_message(node: Node, sender: str, message_id: str, *, session: Session | None = None) -> OpenedMessage:
    """Decrypt a stored envelope and check its inner signature (and its binding) again against the directory.

    Pass the caller's `session` when it holds a transaction (SQLite allows one writer at a time).
    """
    query = select(InboundEnvelope).where(InboundEnvelope.sender == sender, InboundEnvelope.message_id == message_id)
    if session is not None:
        row = session.scalar(query)
    else:
        with node.db.sessions() as own:
            row = own.scalar(query)
    if row is None:
        raise NotFound(f"no message {message_id} from {sender}")
    envelope = parse_envelope_bytes(row.envelope, max_bytes=max(len(row.envelope), node.settings.max_envelope_bytes))
    content = open_envelope(envelope, node.identity.encryption_keys)
    # Signatures and their binding only: the body passed its template when it arrived, and a rule
    # tightened since must not make a soundly signed old message look forged.
    verify_content_signature(content, envelope.header, node.directory.current())
    return OpenedMessage(row, content)
