"""Outbox: a give-up deadline that a person's retry can move.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

Adds a nullable column only, so the previous release keeps serving while this runs; rows queued
before it keep the old rule (queued_at + EXCHANGE_GIVE_UP_AFTER) until they are retried.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("give_up_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("give_up_at")
