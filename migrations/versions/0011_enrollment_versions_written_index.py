"""enrollment_versions: an index for the rows of one association written since an id

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07

A server keeps each association-period's facts and reads only the association's rows
above the newest id it has seen (decisions.md §28). Both databases answered that from
the period index's association range, all of the association's versions: 90,692 rows
looked at to find 17 in the benchmark's förbund (PostgreSQL 20 ms, SQLite 8 ms of CPU per
cold answer). On (association_id, row_id) it is one short range. Only an index changes,
so downgrading loses nothing.
"""
from alembic import op


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

TABLE = 'enrollment_versions'
INDEX = 'ix_enrollment_versions_written'


def upgrade() -> None:
    op.create_index(INDEX, TABLE, ['association_id', 'row_id'])


def downgrade() -> None:
    op.drop_index(INDEX, table_name=TABLE)
