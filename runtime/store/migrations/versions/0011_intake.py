"""The intake server's sources and the events it acknowledged (SPEC 10).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 02:15:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
