"""Directory versions as 64-bit integers (the protocol allows up to 2^53 - 1).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

Widening a column keeps every stored value; the previous release reads bigint as it read int.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("directory_versions", schema=None) as batch_op:
        batch_op.alter_column("version", existing_type=sa.Integer(), type_=sa.BigInteger(), existing_nullable=False)
    with op.batch_alter_table("directory_events", schema=None) as batch_op:
        batch_op.alter_column("version", existing_type=sa.Integer(), type_=sa.BigInteger(), existing_nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("directory_events", schema=None) as batch_op:
        batch_op.alter_column("version", existing_type=sa.BigInteger(), type_=sa.Integer(), existing_nullable=True)
    with op.batch_alter_table("directory_versions", schema=None) as batch_op:
        batch_op.alter_column("version", existing_type=sa.BigInteger(), type_=sa.Integer(), existing_nullable=False)
