"""routing: the queue of new cases waiting for the background router

Revision ID: 0003_routing_queue
Revises: 0002_routing
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import minsheng.db

revision = "0003_routing_queue"
down_revision = "0002_routing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "routing_queue",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("queued_at", minsheng.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_routing_queue_case_id_cases"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_routing_queue")),
    )


def downgrade() -> None:
    op.drop_table("routing_queue")
