"""web_sessions: the web pages' sign-in sessions

Revision ID: 0005
Revises: 0004_audit_log
Create Date: 2026-12-07

A session is kept in the database, not in a worker's memory: `serve` runs several request
workers and a browser's requests land on any of them. The random session id is stored only
as its SHA-256 (a copy of the table signs nobody in), with the key it stands for, its CSRF
token and when it began and was last used (docs/web.md).
"""
import sqlalchemy as sa
from alembic import op


revision = '0005'
down_revision = '0004_audit_log'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'web_sessions',
        sa.Column('id_hash', sa.String(length=64), nullable=False),
        sa.Column('key_id', sa.String(length=36), nullable=False),
        sa.Column('csrf_token', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id_hash'),
    )
    op.create_index('ix_web_sessions_key_id', 'web_sessions', ['key_id'])


def downgrade() -> None:
    op.drop_index('ix_web_sessions_key_id', table_name='web_sessions')
    op.drop_table('web_sessions')
