"""Cases (a request and everything exchanged about it) and their messages.

Message bodies are stored sealed under the node's storage key (`body_sealed`), with the record's
id as associated data; what a node stores stays encrypted, and a key can be rotated.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from exchange.db import Base, UTCDateTime


class Direction:
    OUTGOING = "outgoing"
    INCOMING = "incoming"


class Case(Base):
    """One request and its thread, seen from this node (outgoing or incoming)."""

    __tablename__ = "cases"
    # A conversation is named by whoever opened it; one peer cannot claim another's (or ours).
    __table_args__ = (
        Index("ix_cases_scope", "direction", "authority_id", "state"),
        UniqueConstraint("peer_node", "conversation_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    direction: Mapped[str] = mapped_column(String(16))
    peer_node: Mapped[str] = mapped_column(String(32))
    instrument: Mapped[str] = mapped_column(String(16))  # mla | eio | jit | spontaneous
    request_type: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(32))
    our_reference: Mapped[str | None] = mapped_column(String(128))
    their_reference: Mapped[str | None] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(String(300))
    # Outgoing: the drafting authority. Incoming: the competent authority it was routed to.
    authority_id: Mapped[str | None] = mapped_column(ForeignKey("authorities.id"))
    assigned_user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    conversation_id: Mapped[str | None] = mapped_column(String(36))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    requested_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # from the signed receipt
    deadline_kind: Mapped[str | None] = mapped_column(String(32))
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # How many messages the case has had; each new one takes the next position (under the case's lock).
    message_count: Mapped[int] = mapped_column(Integer, default=0)


class MessageState:
    DRAFT = "draft"
    SUBMITTED = "submitted"  # waiting for a contact point's approval
    RETURNED = "returned"  # returned to the drafter with comments
    SENT = "sent"  # approved and queued for delivery
    DELIVERED = "delivered"  # the peer's signed receipt is in
    FAILED = "failed"  # the transport gave up or the peer refused it
    RECEIVED = "received"  # an incoming message

    ALL = (DRAFT, SUBMITTED, RETURNED, SENT, DELIVERED, FAILED, RECEIVED)


class CaseMessage(Base):
    """One message of a case: a draft, something we sent, or something we received."""

    __tablename__ = "case_messages"
    __table_args__ = (UniqueConstraint("case_id", "position"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    direction: Mapped[str] = mapped_column(String(16))
    message_type: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(16))
    body_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    storage_kid: Mapped[str] = mapped_column(String(64))
    drafted_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    drafted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    return_comment: Mapped[str | None] = mapped_column(Text)
    # The approval chain as it travels (drafter, approver), for outgoing and incoming alike.
    approvals: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    envelope_id: Mapped[str | None] = mapped_column(String(36), index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)


class CaseTransition(Base):
    """Every change of a case's state: who, when, from, to, why (the workflow's own record)."""

    __tablename__ = "case_transitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(120))  # a user id, or "peer:<node>" for a message received
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)


class Reminder(Base):
    """A deadline reminder for the contact points (created once per case and deadline)."""

    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("case_id", "deadline_kind", "due_at", "level"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    deadline_kind: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    level: Mapped[str] = mapped_column(String(16))  # due_soon | overdue
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    details: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)


def thread_order() -> tuple[Any, ...]:
    """A case's messages in the order they happened: sent, received, or (drafts) written."""
    return (func.coalesce(CaseMessage.sent_at, CaseMessage.received_at, CaseMessage.created_at), CaseMessage.position)
