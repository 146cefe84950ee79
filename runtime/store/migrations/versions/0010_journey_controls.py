"""Journey controls: a journey is live, paused or off, and each pause, resume and turn-off is kept
with who did it.

Revision ID: 0010
Revises: 0005
Create Date: 2026-12-04 19:20:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0010'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('journeys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.String(length=16), server_default='live', nullable=False))
    op.create_table('journey_controls',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('key', sa.String(length=128), nullable=False),
                    sa.Column('action', sa.String(length=16), nullable=False),
                    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
                    sa.Column('by', sa.String(length=128), nullable=False),
                    sa.Column('note', sa.Text(), nullable=True),
                    sa.ForeignKeyConstraint(['key'], ['journeys.key']),
                    sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('journey_controls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_journey_controls_key'), ['key'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('journey_controls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_journey_controls_key'))
    op.drop_table('journey_controls')
    with op.batch_alter_table('journeys', schema=None) as batch_op:
        batch_op.drop_column('state')
