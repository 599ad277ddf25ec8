"""groups: one-click group (case_groups, group_members, group_messages, group_message_reads)

Revision ID: 0002_groups
Revises: 0001_core
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
import minsheng.db

revision = '0002_groups'
down_revision = '0001_core'
branch_labels = ('groups',)
depends_on = None


def upgrade() -> None:
    op.create_table('case_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('lead_unit', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('formed_by', sa.Integer(), nullable=True),
    sa.Column('formed_by_name', sa.String(length=64), nullable=False),
    sa.Column('formed_at', minsheng.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('waiting_since', minsheng.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('proposal', minsheng.db.JSONType, nullable=False),
    sa.Column('joint_text', sa.Text(), nullable=True),
    sa.Column('joint_parts', minsheng.db.JSONType, nullable=False),
    sa.Column('joint_at', minsheng.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('joint_by_name', sa.String(length=64), nullable=True),
    sa.Column('closed_at', minsheng.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_groups_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_groups')),
    sa.UniqueConstraint('case_id', name=op.f('uq_case_groups_case_id'))
    )
    op.create_table('group_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=32), nullable=False),
    sa.Column('role', sa.String(length=8), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('joined_at', minsheng.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('clock_started_at', minsheng.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sign_due_at', minsheng.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('part_due_at', minsheng.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('signed_at', minsheng.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('signed_by_name', sa.String(length=64), nullable=True),
    sa.Column('part_text', sa.Text(), nullable=True),
    sa.Column('part_at', minsheng.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('part_updated_at', minsheng.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('part_by_name', sa.String(length=64), nullable=True),
    sa.Column('leave_reason', sa.Text(), nullable=True),
    sa.Column('leave_requested_at', minsheng.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('leave_status', sa.String(length=10), nullable=True),
    sa.Column('leave_decided_at', minsheng.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('leave_decided_by_name', sa.String(length=64), nullable=True),
    sa.Column('leave_note', sa.Text(), nullable=True),
    sa.Column('left_at', minsheng.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['group_id'], ['case_groups.id'], name=op.f('fk_group_members_group_id_case_groups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_members')),
    sa.UniqueConstraint('group_id', 'unit_code', name=op.f('uq_group_members_group_id'))
    )
    with op.batch_alter_table('group_members', schema=None) as batch_op:
        batch_op.create_index('ix_group_members_unit_left', ['unit_code', 'left_at'], unique=False)

    op.create_table('group_message_reads',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=32), nullable=False),
    sa.Column('last_read_id', sa.Integer(), nullable=False),
    sa.Column('read_at', minsheng.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['case_groups.id'], name=op.f('fk_group_message_reads_group_id_case_groups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_id', 'unit_code', name=op.f('pk_group_message_reads'))
    )
    op.create_table('group_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('author_name', sa.String(length=64), nullable=False),
    sa.Column('unit_code', sa.String(length=32), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('mentions', minsheng.db.JSONType, nullable=False),
    sa.Column('attachments', minsheng.db.JSONType, nullable=False),
    sa.Column('created_at', minsheng.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['case_groups.id'], name=op.f('fk_group_messages_group_id_case_groups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_messages'))
    )
    with op.batch_alter_table('group_messages', schema=None) as batch_op:
        batch_op.create_index('ix_group_messages_group_id', ['group_id', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('group_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_group_messages_group_id')

    op.drop_table('group_messages')
    op.drop_table('group_message_reads')
    with op.batch_alter_table('group_members', schema=None) as batch_op:
        batch_op.drop_index('ix_group_members_unit_left')

    op.drop_table('group_members')
    op.drop_table('case_groups')
