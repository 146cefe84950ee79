"""The CRM's activity: deals, form submissions, deletions and merges (SPEC 14).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 02:15:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('crm_cursors',
                    sa.Column('connector', sa.String(length=128), nullable=False),
                    sa.Column('stream', sa.String(length=64), nullable=False),
                    sa.Column('cursor', sa.Text(), nullable=True),
                    sa.Column('live', sa.Boolean(), nullable=False),
                    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint('connector', 'stream'))
    op.create_table('crm_deals',
                    sa.Column('connector', sa.String(length=128), nullable=False),
                    sa.Column('deal', sa.String(length=64), nullable=False),
                    sa.Column('pipeline', sa.String(length=128), nullable=True),
                    sa.Column('stage', sa.String(length=128), nullable=True),
                    sa.Column('amount', sa.Float(), nullable=True),
                    sa.Column('contacts', sa.JSON(), nullable=False),
                    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint('connector', 'deal'))


def downgrade() -> None:
    op.drop_table('crm_deals')
    op.drop_table('crm_cursors')
