"""The kernels table (models.py as of issue 16).

Revision ID: 0001
Revises:
Create Date: 2026-12-01 15:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('kernels',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('owner', sa.String(length=255), nullable=False),
    sa.Column('kernelspec', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('started', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_activity', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kernels'))
    )
    op.create_index('ix_kernels_owner_state', 'kernels', ['owner', 'state'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_kernels_owner_state', table_name='kernels')
    op.drop_table('kernels')
