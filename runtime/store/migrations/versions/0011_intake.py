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
    op.create_table('intake_sources',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('name', sa.String(length=128), nullable=False),
                    sa.Column('key_hash', sa.String(length=64), nullable=False),
                    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint('id'),
                    sa.UniqueConstraint('key_hash'),
                    sa.UniqueConstraint('name'))
    op.create_table('intake_messages',
                    sa.Column('message_id', sa.String(length=256), nullable=False),
                    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint('message_id'))
    op.create_table('intake_ids',
                    sa.Column('id', sa.String(length=256), nullable=False),
                    sa.Column('contact_id', sa.Integer(), nullable=True),
                    sa.Column('same_as', sa.String(length=256), nullable=True),
                    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id']),
                    sa.PrimaryKeyConstraint('id'))
    op.create_table('intake_pending',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('external_id', sa.String(length=256), nullable=False),
                    sa.Column('type', sa.String(length=128), nullable=False),
                    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
                    sa.Column('properties', sa.JSON(), nullable=False),
                    sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('intake_pending', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intake_pending_external_id'), ['external_id'], unique=False)
    op.create_table('intake_log',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
                    sa.Column('source', sa.String(length=128), nullable=False),
                    sa.Column('line', sa.String(length=1024), nullable=False),
                    sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('intake_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intake_log_at'), ['at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('intake_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intake_log_at'))
    op.drop_table('intake_log')
    with op.batch_alter_table('intake_pending', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intake_pending_external_id'))
    op.drop_table('intake_pending')
    op.drop_table('intake_ids')
    op.drop_table('intake_messages')
    op.drop_table('intake_sources')
