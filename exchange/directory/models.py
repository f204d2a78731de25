"""Stored directory versions (raw signed bytes, as TUF keeps metadata) and adoption events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from exchange.db import Base, UTCDateTime


class DirectoryVersion(Base):
    """A directory version this node adopted; the highest version is the trusted one."""

    __tablename__ = "directory_versions"

    # Versions go up to 2^53 - 1 on the wire, beyond a 32-bit integer.
    version: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    federation: Mapped[str] = mapped_column(String(128))
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    installed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(64))


class DirectoryEvent(Base):
    """Every directory we were offered: adopted or refused, from where, and why."""

    __tablename__ = "directory_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    source: Mapped[str] = mapped_column(String(64))
    version: Mapped[int | None] = mapped_column(BigInteger)
    outcome: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)
