"""The open-enrollment register: one open enrollment per pseudonym and intervention."""

from __future__ import annotations

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from service.adapters.bulk_insert import insert_rows
from service.adapters.insert_if_absent import insert_if_absent
from service.adapters.tables import open_enrollments
from service.domain.errors import DuplicateOpenEnrollmentError


def claim(
    session: Session, association_id: str, intervention_id: str, pseudonym: str, enrollment_id: str
) -> None:
    """Register an open enrollment, or raise if the pseudonym has one in the intervention."""
    t = open_enrollments
    key = {"association_id": association_id, "intervention_id": intervention_id,
           "pseudonym": pseudonym}  # fmt: skip
    # Inserted first (one statement when the pseudonym is free, the common case); a row
    # that is there already is looked at only then.
    if insert_if_absent(session, t, **key, enrollment_id=enrollment_id):
        return
    holder = session.execute(
        select(t.c.enrollment_id).where(*(t.c[name] == value for name, value in key.items()))
    ).scalar()
    if holder == enrollment_id:
        return
    if holder is not None:
        raise held_by(holder, intervention_id)
    # The enrollment is registered under another pseudonym: a plain insert fails as it
    # always did, and the caller answers with a conflict.
    session.execute(insert(t).values(**key, enrollment_id=enrollment_id))


def held_by(holder: str, intervention_id: str) -> DuplicateOpenEnrollmentError:
    """The error of a claim on a pseudonym that `holder` has open in the intervention."""
    return DuplicateOpenEnrollmentError(
        f"the pseudonym already has an open enrollment ({holder}) in {intervention_id!r}"
    )


def release(session: Session, enrollment_id: str) -> None:
    """The enrollment is no longer open."""
    session.execute(
        delete(open_enrollments).where(open_enrollments.c.enrollment_id == enrollment_id)
    )


def claim_new(session: Session, claims: list[dict[str, str]]) -> None:
    """Register many open enrollments known to be free (one executemany, or COPY on
    PostgreSQL: `insert_rows` skips the per-row parameter dicts of an ORM executemany,
    which cost a batch chunk more than the insert itself)."""
    insert_rows(session.connection(), open_enrollments, claims)
