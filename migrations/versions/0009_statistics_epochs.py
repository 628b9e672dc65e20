"""statistics_versions.epoch: renewed when an association's read-model rows are removed

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07

A server keeps each association-period's enrollment facts and brings them up to date by
reading only the enrollment versions written since (decisions.md §28). That holds while
rows are only added; gallring, erasure and a rebuild remove rows, and renew the epoch, so
kept facts of an older epoch are read afresh. NULL (rows from before this revision) until
the association's next change: kept facts are used only under an epoch.
"""
import sqlalchemy as sa
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('statistics_versions') as batch:
        batch.add_column(sa.Column('epoch', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('statistics_versions') as batch:
        batch.drop_column('epoch')
