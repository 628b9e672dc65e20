"""enrollment_versions: on SQLite, a row id is never handed out twice (AUTOINCREMENT)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07

A server keeps each association-period's facts and reads only the rows above the newest
id it has seen (decisions.md §28). Without AUTOINCREMENT, SQLite gives a new row the
largest id + 1, so after gallring or an erasure deleted the newest rows (of one
association), another association's next rows could get ids below what its kept facts
had seen, and be missed until its own next removal (found in review). With AUTOINCREMENT,
ids only grow; the counter starts at the largest id in the table (a server restarts on an
upgrade: nothing it kept survives). PostgreSQL's sequence never reused ids.
"""
import sqlalchemy as sa
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

TABLE = 'enrollment_versions'


def upgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        _recreate(autoincrement=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        _recreate(autoincrement=False)


def _recreate(*, autoincrement: bool) -> None:
    """The table copied into one made with (or without) AUTOINCREMENT, its indexes too
    (its columns reflect as they are declared)."""
    with op.batch_alter_table(
        TABLE, recreate='always', table_kwargs={'sqlite_autoincrement': autoincrement}
    ):
        pass
