"""Authorities, the people who work in them, and the credentials they use."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from exchange.db import Base, UTCDateTime


class Role:
    PROSECUTOR = "prosecutor"  # drafts and answers requests of their authority
    CONTACT_POINT = "contact_point"  # national central authority: approves what leaves, routes what arrives
    NODE_ADMIN = "node_admin"  # users, authorities, keys and peers; no case content
    AUDITOR = "auditor"  # reads everything, changes nothing

    ALL = (PROSECUTOR, CONTACT_POINT, NODE_ADMIN, AUDITOR)


class AuthorityKind:
    CENTRAL_AUTHORITY = "central_authority"
    PROSECUTOR_OFFICE = "prosecutor_office"
    COURT = "court"

    ALL = (CENTRAL_AUTHORITY, PROSECUTOR_OFFICE, COURT)


class Authority(Base):
    """An office of this node's country (for BiH: state, entity, cantonal and Brčko District offices)."""

    __tablename__ = "authorities"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(32))
    # Which law governs its proceedings, e.g. "state", "federation", "republika_srpska", "brcko".
    jurisdiction: Mapped[str | None] = mapped_column(String(64))
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("authorities.id"))
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("oidc_issuer", "oidc_subject"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(120), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    authority_id: Mapped[str] = mapped_column(ForeignKey("authorities.id"))
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    language: Mapped[str] = mapped_column(String(16), default="en")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Local accounts (embedded mode): an argon2id hash, never the password.
    password_hash: Mapped[str | None] = mapped_column(String(256))
    # Accounts of the national identity provider.
    oidc_issuer: Mapped[str | None] = mapped_column(String(300))
    oidc_subject: Mapped[str | None] = mapped_column(String(300))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)


class ApiToken(Base):
    """A personal token for scripts; only its SHA-256 is kept (it is 256 random bits, not a password)."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
