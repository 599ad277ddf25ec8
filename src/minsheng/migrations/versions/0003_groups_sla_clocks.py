"""groups: members' clocks are SLA clocks now; their own deadline columns go

Revision ID: 0003_groups_sla_clocks
Revises: 0002_groups
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import minsheng.db

revision = "0003_groups_sla_clocks"
down_revision = "0002_groups"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("group_members", schema=None) as batch_op:
        batch_op.drop_column("sign_due_at")
        batch_op.drop_column("part_due_at")


def downgrade() -> None:
    with op.batch_alter_table("group_members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("part_due_at", minsheng.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("sign_due_at", minsheng.db.UTCDateTime(timezone=True), nullable=True))
