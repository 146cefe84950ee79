"""Erasure on request: the log of erased people, by a keyed hash of their address.

Revision ID: 0009
Revises: 0003
Create Date: 2026-12-04 19:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0009'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('erasures',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('hash', sa.String(length=64), nullable=False),
                    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
                    sa.Column('by', sa.String(length=128), nullable=False),
                    sa.Column('consent', sa.JSON(), nullable=False),
                    sa.Column('lifted_at', sa.DateTime(timezone=True), nullable=True),
                    sa.PrimaryKeyConstraint('id'),
                    sa.UniqueConstraint('hash'))


def downgrade() -> None:
    op.drop_table('erasures')
