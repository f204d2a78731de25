"""Inbox handling: whether the case workflow has taken each stored envelope in.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22

Envelopes stored before this revision had no workflow to hand them to; they count as handled.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("handling_attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("handling_error", sa.String(length=200), nullable=True))
        batch_op.create_index(batch_op.f("ix_inbox_handled_at"), ["handled_at"], unique=False)
    op.execute("UPDATE inbox SET handled_at = received_at")


def downgrade() -> None:
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_handled_at"))
        batch_op.drop_column("handling_error")
        batch_op.drop_column("handling_attempts")
        batch_op.drop_column("handled_at")
