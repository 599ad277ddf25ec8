"""console: indexes for the live queue, the boards and the dashboard at a million cases

Revision ID: console_0001
Revises: 0001_core
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "console_0001"
down_revision = "0001_core"
branch_labels = ("console",)
depends_on = None

OPEN_OVERDUE = "overdue IS true AND status <> 'closed'"
OPEN_FLAGGED = "(overdue IS true OR escalated IS true) AND status <> 'closed'"


def upgrade() -> None:
    # queue: a town sub-centre's scope is unit OR command unit OR town; each branch needs an index
    op.create_index("ix_cases_command_unit_status", "cases", ["command_unit_code", "status"])
    # queue's overdue column and the escalation board: the few open flagged cases among many closed
    op.create_index("ix_cases_open_overdue", "cases", ["id"], postgresql_where=sa.text(OPEN_OVERDUE),
                    sqlite_where=sa.text(OPEN_OVERDUE))
    op.create_index("ix_cases_open_flagged", "cases", ["id"], postgresql_where=sa.text(OPEN_FLAGGED),
                    sqlite_where=sa.text(OPEN_FLAGGED))
    # team member's tasks
    op.create_index("ix_cases_team_status", "cases", ["team_code", "status"])
    # dashboard: volumes and hot spots read only this index (index-only scans on PostgreSQL)
    op.create_index("ix_cases_created_dims", "cases",
                    ["created_at", "channel", "category_code", "town_code", "village_code"])
    op.create_index("ix_cases_closed_at", "cases", ["closed_at"])
    op.create_index("ix_cases_assigned_at_track", "cases", ["assigned_at", "track"])
    op.create_index("ix_cases_rated_at", "cases", ["rated_at"])


def downgrade() -> None:
    for name in ("ix_cases_rated_at", "ix_cases_assigned_at_track", "ix_cases_closed_at", "ix_cases_created_dims",
                 "ix_cases_team_status", "ix_cases_open_flagged", "ix_cases_open_overdue",
                 "ix_cases_command_unit_status"):
        op.drop_index(name, table_name="cases")
