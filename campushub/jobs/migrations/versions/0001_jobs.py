"""The jobs table (jobs/tables.py as of issue 16).

Revision ID: 0001
Revises:
Create Date: 2026-12-01 16:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('jobs',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('owner', sa.String(length=255), nullable=False),
    sa.Column('notebook', sa.String(length=1024), nullable=False),
    sa.Column('parameters', sa.JSON(), nullable=False),
    sa.Column('profile', sa.String(length=64), nullable=True),
    sa.Column('sweep', sa.String(length=32), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished', sa.DateTime(timezone=True), nullable=True),
    sa.Column('handle', sa.String(length=1024), nullable=True),
    sa.Column('exit_code', sa.Integer(), nullable=True),
    sa.Column('duration_s', sa.Float(), nullable=True),
    sa.Column('peak_memory', sa.BigInteger(), nullable=True),
    sa.Column('failed_cell', sa.Integer(), nullable=True),
    sa.Column('error', sa.String(length=1000), nullable=True),
    sa.Column('resources', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    op.create_index('ix_jobs_owner_created', 'jobs', ['owner', 'created'], unique=False)
    op.create_index('ix_jobs_state_created', 'jobs', ['state', 'created'], unique=False)
    op.create_index('ix_jobs_sweep', 'jobs', ['sweep'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_jobs_sweep', table_name='jobs')
    op.drop_index('ix_jobs_state_created', table_name='jobs')
    op.drop_index('ix_jobs_owner_created', table_name='jobs')
    op.drop_table('jobs')
