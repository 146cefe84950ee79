"""Results kept as they happen: counts per journey, node, variant and day; holdouts and variants (SPEC 12).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 02:15:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
