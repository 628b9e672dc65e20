"""The open-enrollment register: one open enrollment per pseudonym and intervention."""

from __future__ import annotations

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from service.adapters.tables import open_enrollments
from service.domain.errors import DuplicateOpenEnrollmentError


def claim(
    session: Session, association_id: str, intervention_id: str, pseudonym: str, enrollment_id: str
) -> None:
    """Register an open enrollment, or raise if the pseudonym has one in the intervention."""
    t = open_enrollments
    holder = session.execute(
        select(t.c.enrollment_id).where(
            t.c.association_id == association_id, t.c.intervention_id == intervention_id,
            t.c.pseudonym == pseudonym,
        )
    ).scalar()  # fmt: skip
    if holder == enrollment_id:
        return
    if holder is not None:
        raise DuplicateOpenEnrollmentError(
            f"the pseudonym already has an open enrollment ({holder}) in {intervention_id!r}"
        )
    session.execute(insert(t).values(
        association_id=association_id, intervention_id=intervention_id,
        pseudonym=pseudonym, enrollment_id=enrollment_id,
    ))  # fmt: skip


def release(session: Session, enrollment_id: str) -> None:
    """The enrollment is no longer open."""
    session.execute(
        delete(open_enrollments).where(open_enrollments.c.enrollment_id == enrollment_id)
    )
