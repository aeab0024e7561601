"""The initial analytics schema (store/models.py as of issue 13).

Revision ID: 0001
Revises:
Create Date: 2026-12-01 03:44:55.563701
"""

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('activity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user', sa.String(length=255), nullable=False),
    sa.Column('hour', sa.DateTime(timezone=True), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity')),
    sa.UniqueConstraint('user', 'hour', name='uq_activity_user_hour')
    )
    op.create_index('ix_activity_day', 'activity', ['day'], unique=False)
    op.create_index('ix_activity_hour', 'activity', ['hour'], unique=False)

    op.create_table('executions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user', sa.String(length=255), nullable=False),
    sa.Column('record_id', sa.String(length=32), nullable=False),
    sa.Column('time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('path', sa.String(length=1024), nullable=False),
    sa.Column('course', sa.String(length=64), nullable=True),
    sa.Column('notebook', sa.String(length=1024), nullable=True),
    sa.Column('cell', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('duration_ms', sa.Float(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_executions')),
    sa.UniqueConstraint('user', 'record_id', name='uq_executions_user_record')
    )
    op.create_index('ix_executions_course_notebook', 'executions', ['course', 'notebook'], unique=False)
    op.create_index('ix_executions_time', 'executions', ['time'], unique=False)
    op.create_index('ix_executions_user_time', 'executions', ['user', 'time'], unique=False)

    op.create_table('notebook_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user', sa.String(length=255), nullable=False),
    sa.Column('course', sa.String(length=64), nullable=False),
    sa.Column('notebook', sa.String(length=1024), nullable=False),
    sa.Column('cells', sa.JSON(), nullable=False),
    sa.Column('record_id', sa.String(length=32), nullable=False),
    sa.Column('time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notebook_orders')),
    sa.UniqueConstraint('course', 'notebook', 'user', name='uq_notebook_orders_course_notebook_user')
    )
    op.create_table('polls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('running', sa.Integer(), nullable=False),
    sa.Column('pending', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_polls'))
    )
    op.create_index(op.f('ix_polls_time'), 'polls', ['time'], unique=False)

    op.create_table('purged',
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('course', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'course', 'status', name=op.f('pk_purged'))
    )
    op.create_table('spawn_deltas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('le', sa.String(length=32), nullable=False),
    sa.Column('count', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spawn_deltas'))
    )
    op.create_index('ix_spawn_deltas_day', 'spawn_deltas', ['day'], unique=False)

    op.create_table('spawn_totals',
    sa.Column('le', sa.String(length=32), nullable=False),
    sa.Column('count', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('le', name=op.f('pk_spawn_totals'))
    )
    op.create_table('syncs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user', sa.String(length=255), nullable=False),
    sa.Column('record_id', sa.String(length=32), nullable=False),
    sa.Column('time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('course', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_syncs')),
    sa.UniqueConstraint('user', 'record_id', name='uq_syncs_user_record')
    )
    op.create_index('ix_syncs_time', 'syncs', ['time'], unique=False)



def downgrade() -> None:
    op.drop_index('ix_syncs_time', table_name='syncs')

    op.drop_table('syncs')
    op.drop_table('spawn_totals')
    op.drop_index('ix_spawn_deltas_day', table_name='spawn_deltas')

    op.drop_table('spawn_deltas')
    op.drop_index(op.f('ix_polls_time'), table_name='polls')

    op.drop_table('polls')
    op.drop_table('purged')
    op.drop_table('notebook_orders')
    op.drop_index('ix_executions_user_time', table_name='executions')
    op.drop_index('ix_executions_time', table_name='executions')
    op.drop_index('ix_executions_course_notebook', table_name='executions')

    op.drop_table('executions')
    op.drop_index('ix_activity_hour', table_name='activity')
    op.drop_index('ix_activity_day', table_name='activity')

    op.drop_table('activity')
