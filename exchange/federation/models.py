"""What the federation plane stores: the outbox, the inbox, peer state and seen nonces.

Envelopes are stored as received or sent: sealed for the recipient node, so message content
stays encrypted at rest under the recipient's key; the signed receipts sit beside them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from exchange.db import Base, UTCDateTime


class OutboxState:
    PENDING = "pending"  # waiting to be delivered (or being delivered, when leased)
    DELIVERED = "delivered"  # the recipient signed an accepted receipt
    REJECTED = "rejected"  # the recipient refused the envelope for a reason that will not change
    FAILED = "failed"  # we gave up: too old, or expired before the recipient could take it

    ALL = (PENDING, DELIVERED, REJECTED, FAILED)


class OutboundEnvelope(Base):
    """One sealed envelope on its way to a peer (the transactional outbox)."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "state", "recipient", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    recipient: Mapped[str] = mapped_column(String(32))
    message_type: Mapped[str] = mapped_column(String(64))
    conversation_id: Mapped[str] = mapped_column(String(36), index=True)
    in_reply_to: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When the sweeper stops trying; a person's retry moves it (NULL on rows from before 0002).
    give_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    envelope: Mapped[bytes] = mapped_column(LargeBinary)
    envelope_sha256: Mapped[bytes] = mapped_column(LargeBinary(32))
    state: Mapped[str] = mapped_column(String(16), default=OutboxState.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    receipt: Mapped[bytes | None] = mapped_column(LargeBinary)
    reject_reason: Mapped[str | None] = mapped_column(String(64))


class InboundEnvelope(Base):
    """An accepted envelope; the unique (sender, message id) pair makes its effect happen once."""

    __tablename__ = "inbox"
    __table_args__ = (UniqueConstraint("sender", "message_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sender: Mapped[str] = mapped_column(String(32))
    message_id: Mapped[str] = mapped_column(String(36))
    message_type: Mapped[str] = mapped_column(String(64))
    conversation_id: Mapped[str] = mapped_column(String(36), index=True)
    in_reply_to: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    envelope: Mapped[bytes] = mapped_column(LargeBinary)
    envelope_sha256: Mapped[bytes] = mapped_column(LargeBinary(32))
    receipt: Mapped[bytes] = mapped_column(LargeBinary)
    # When the node's own handling (the case workflow) took the message in. Null while it has
    # not: the sweeper tries again, so a bug or an outage there never loses a delivered message.
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    handling_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    handling_error: Mapped[str | None] = mapped_column(String(200))


class Peer(Base):
    """What we know of a peer's health: the per-destination backoff that resets when it talks."""

    __tablename__ = "peers"

    node_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_probe_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


class SeenNonce(Base):
    """HTTP signature nonces we accepted, kept until the signature could no longer be valid."""

    __tablename__ = "seen_nonces"

    key_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(128), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
