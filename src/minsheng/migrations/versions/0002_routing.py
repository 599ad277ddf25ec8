"""routing: dispatcher overrides of the suggested route; index for the duplicate look-up

Revision ID: 0002_routing
Revises: 0001_core
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import minsheng.db

revision = '0002_routing'
down_revision = '0001_core'
branch_labels = ('routing',)
depends_on = None


def upgrade() -> None:
    op.create_table('routing_overrides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('at', minsheng.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=64), nullable=False),
    sa.Column('suggested_category', sa.String(length=32), nullable=True),
    sa.Column('chosen_category', sa.String(length=32), nullable=True),
    sa.Column('suggested_unit', sa.String(length=32), nullable=True),
    sa.Column('chosen_unit', sa.String(length=32), nullable=True),
    sa.Column('confidence', sa.Float(), nullable=True),
    sa.Column('model_version', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_routing_overrides_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_routing_overrides'))
    )
    op.create_index('ix_routing_overrides_case', 'routing_overrides', ['case_id', 'id'], unique=False)
    op.create_index('ix_cases_category_created', 'cases', ['category_code', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_cases_category_created', table_name='cases')
    op.drop_index('ix_routing_overrides_case', table_name='routing_overrides')
    op.drop_table('routing_overrides')
