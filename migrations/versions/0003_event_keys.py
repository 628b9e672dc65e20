"""event_keys: a client event id names one event in an association

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27

An Idempotency-Key (or a batch item's id) was remembered only by the enrollment it was
used on, so the same key on another enrollment wrote a second event. This table holds each
key with its enrollment, written with the event. Keys used before this revision are not
copied in (they live inside the stored events): they still replay on their own enrollment,
but their reuse on another one is not detected. Downgrading drops only this register.
"""
import sqlalchemy as sa
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'event_keys',
        sa.Column('association_id', sa.String(length=64), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('enrollment_id', sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint('association_id', 'key'),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table('event_keys')
