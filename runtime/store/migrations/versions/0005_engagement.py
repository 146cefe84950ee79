"""An enrollment keeps the event that enrolled it, or the last one that moved it on from a
wait.event: what its templates and conditions see as `event` (SPEC 11).

Revision ID: 0005
Revises: 0009
Create Date: 2026-12-04 19:30:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0005'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('event', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.drop_column('event')
