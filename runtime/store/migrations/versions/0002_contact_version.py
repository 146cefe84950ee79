"""Contacts get a version, bumped by every write of their state, so a scheduler worker may keep a
contact's state between visits and know when someone else changed it. Events lose their index on
the contact alone: ix_events_pending starts with the contact and serves the same lookups.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 00:50:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_contact_id')


def downgrade() -> None:
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_contact_id', ['contact_id'], unique=False)
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_column('version')
