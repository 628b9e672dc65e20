"""uppfoljning_events: on SQLite, an id is never handed out twice (AUTOINCREMENT)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07

Without AUTOINCREMENT, SQLite gives a new row the largest id in the table + 1. Gallring
and erasure delete events; when they deleted the newest ones, the next event got an id
the projection had already passed, so it was never projected, and the projection stopped
at that enrollment's next event (found by a property test, decisions.md §27). With
AUTOINCREMENT, ids only grow. The counter starts above both the largest id and the
projection's position, so an id already passed is never given again. PostgreSQL's
sequence never reused ids: nothing changes there.

A database that already lost an event this way: `python -m service rebuild` projects
every event again.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy_utils.types.uuid import UUIDType


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

TABLE = 'uppfoljning_events'


def upgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    _recreate(autoincrement=True)
    op.execute(
        sa.text(
            "UPDATE sqlite_sequence SET seq = max(seq, "
            " coalesce((SELECT max(position) FROM projection_tracking), 0)) WHERE name = :t"
        ).bindparams(t=TABLE)
    )
    op.execute(
        sa.text(
            "INSERT INTO sqlite_sequence (name, seq) SELECT :t, "
            " coalesce((SELECT max(position) FROM projection_tracking), 0) "
            "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = :t)"
        ).bindparams(t=TABLE)
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    _recreate(autoincrement=False)


def _recreate(*, autoincrement: bool) -> None:
    """The table copied into one made with (or without) AUTOINCREMENT, its index too.
    The UUID column is declared as the model does: reflected, BINARY(16) would come back
    as NUMERIC(16) (the same storage in SQLite, but not the schema the code declares)."""
    with op.batch_alter_table(
        TABLE,
        recreate='always',
        table_kwargs={'sqlite_autoincrement': autoincrement},
        reflect_args=[sa.Column('originator_id', UUIDType(), nullable=False)],
    ):
        pass
