"""installation: a random namespace for aggregate ids (issue 17, finding 3)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07

Associations, interventions and keyed count reports had name-based ids in one public
namespace, so a coach of one förbund could compute another's (or a future) id and take it
first with an enrollment, whose id the client chooses: that association or intervention
could then never be created. The namespace is now a random UUID of the installation, made
here and kept in the one row of `installation`.

Existing associations and interventions are renamed into it: every event of each gets the
new originator id. Their slugs are in the first event's state, and nothing else holds
their ids (the state does not, read models and keys name them by slug), so no other row
changes. Count reports keep their ids: those were answered to clients, and a report's
idempotency key is not stored to make the new one from; the service still finds a report
keyed before this revision under its old id (service/application/count_reports.py).

Downgrading renames associations and interventions back and drops the table. It fails on
the unique event index if an enrollment made after the upgrade has taken the old id of an
association or intervention made after it — the very squatting this revision ends.
"""
import json
import uuid
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy_utils.types.uuid import UUIDType


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# service/domain/ids.py's LEGACY_NAMESPACE, and the names it hashed (copied: a migration
# must keep doing what it did when the code moves on).
LEGACY_NAMESPACE = uuid.UUID('6f1c1d2e-8a53-4c4e-9d55-0b4a4f5e2a11')
NAMES: dict[str, Callable[[dict[str, Any]], str]] = {
    'service.domain.association:Association.Created':
        lambda state: f"association:{state['slug']}",
    'service.domain.intervention:Intervention.Registered':
        lambda state: f"intervention:{state['association_id']}:{state['slug']}",
}

events = sa.table(
    'uppfoljning_events',
    sa.column('originator_id', UUIDType()),
    sa.column('originator_version', sa.BigInteger()),
    sa.column('topic', sa.Text()),
    sa.column('state', sa.LargeBinary()),
)
installation = sa.table(
    'installation', sa.column('id', sa.Integer()), sa.column('id_namespace', sa.String(36))
)


def upgrade() -> None:
    op.create_table(
        'installation',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('id_namespace', sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    namespace = uuid.uuid4()
    op.get_bind().execute(sa.insert(installation).values(id=1, id_namespace=str(namespace)))
    _rename(LEGACY_NAMESPACE, namespace)


def downgrade() -> None:
    bind = op.get_bind()
    namespace = bind.execute(sa.select(installation.c.id_namespace)).scalar_one()
    _rename(uuid.UUID(namespace), LEGACY_NAMESPACE)
    op.drop_table('installation')


def _rename(old: uuid.UUID, new: uuid.UUID) -> None:
    """Move every association and intervention named in `old` to its id in `new`."""
    bind = op.get_bind()
    firsts = bind.execute(
        sa.select(events.c.originator_id, events.c.topic, events.c.state).where(
            events.c.originator_version == 1, events.c.topic.in_(list(NAMES))
        )
    ).all()
    for originator_id, topic, state in firsts:
        name = NAMES[topic](json.loads(bytes(state)))
        if originator_id != uuid.uuid5(old, name):
            continue  # not named by its slug in `old`: the service never found it by slug
        bind.execute(
            sa.update(events)
            .where(events.c.originator_id == originator_id)
            .values(originator_id=uuid.uuid5(new, name))
        )
