"""Versions record who published them, who approved them and the publisher's note; a journey's
draft remembers who edited it since it was last published; approvals of drafts get their table.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 16:20:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('journeys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('editors', sa.JSON(), nullable=True))
    with op.batch_alter_table('journey_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_by', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('approved_by', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('note', sa.Text(), nullable=True))
    op.create_table('approvals',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('key', sa.String(length=128), nullable=False),
                    sa.Column('revision', sa.Integer(), nullable=False),
                    sa.Column('by', sa.String(length=128), nullable=False),
                    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
                    sa.ForeignKeyConstraint(['key'], ['journeys.key']),
                    sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_approvals_key'), ['key'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_approvals_key'))
    op.drop_table('approvals')
    with op.batch_alter_table('journey_versions', schema=None) as batch_op:
        batch_op.drop_column('note')
        batch_op.drop_column('approved_by')
        batch_op.drop_column('published_by')
    with op.batch_alter_table('journeys', schema=None) as batch_op:
        batch_op.drop_column('editors')
