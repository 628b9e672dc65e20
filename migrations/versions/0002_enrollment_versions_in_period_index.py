"""enrollment_versions: an index for the statistics read, in place of the period index

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26

The statistics read asks for one association's current versions (recorded_to IS NULL)
enrolled by the period's end and not exited before its start. On (association_id,
enrolled_on) it visited every version enrolled by then, superseded ones included; on
(association_id, recorded_to, enrolled_on, exited_on) the current ones are one range,
and SQLite filters exited_on in the index. The new index also serves everything the old
one did (as-of reads, coaches' lists), so the old one goes: one index less to write.
Only indexes change, so downgrading loses nothing.
"""
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

TABLE = 'enrollment_versions'


def upgrade() -> None:
    op.create_index(
        'ix_enrollment_versions_in_period', TABLE,
        ['association_id', 'recorded_to', 'enrolled_on', 'exited_on'],
    )
    op.drop_index('ix_enrollment_versions_period', table_name=TABLE)


def downgrade() -> None:
    op.create_index('ix_enrollment_versions_period', TABLE, ['association_id', 'enrolled_on'])
    op.drop_index('ix_enrollment_versions_in_period', table_name=TABLE)
