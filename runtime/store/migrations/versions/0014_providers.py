"""What the providers tell us about a message after it left: delivery events and suppressions (SPEC 11).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 02:15:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('provider_events',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('connector', sa.String(length=128), nullable=False),
                    sa.Column('event_id', sa.String(length=200), nullable=False),
                    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint('id'),
                    sa.UniqueConstraint('connector', 'event_id', name='uq_provider_events'))
    op.create_table('suppressions',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('channel', sa.String(length=16), nullable=False),
                    sa.Column('address', sa.String(length=320), nullable=False),
                    sa.Column('reason', sa.Text(), nullable=False),
                    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint('id'),
                    sa.UniqueConstraint('channel', 'address', name='uq_suppressions'))
    op.create_table('provider_cursors',
                    sa.Column('connector', sa.String(length=128), nullable=False),
                    sa.Column('cursor', sa.Text(), nullable=False),
                    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint('connector'))


def downgrade() -> None:
    op.drop_table('provider_cursors')
    op.drop_table('suppressions')
    op.drop_table('provider_events')
