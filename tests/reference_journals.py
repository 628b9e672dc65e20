"""Hand-written journals shaped like the published tables in /work/shared/reference.

Södra Dalarna 2021, Tabell 9 (Samverkansteam Avesta and Säter) and Finsam Falun 2022
(Grön rehab). Used twice: to check the oracle by hand (tests/unit/test_oracle.py) and to
check the service through its API (tests/e2e/test_reference_examples.py).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any


class Journal:
    """Writes batch events by hand, with a recorded_at one minute after the last."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.clock = datetime(2025, 7, 1, tzinfo=UTC)
        self.people = 0

    def _emit(self, kind: str, eid: str, data: dict, intervention_id: str | None = None) -> None:
        self.clock += timedelta(minutes=1)
        event: dict[str, Any] = {"id": str(uuid.uuid4()), "type": kind, "enrollment_id": eid}
        if intervention_id is not None:
            event["intervention_id"] = intervention_id
        event["data"] = data
        event["recorded_at"] = self.clock
        self.events.append(event)

    def enroll(
        self,
        intervention_id: str,
        enrolled_on: date,
        sex: str,
        *,
        pseudonym: str | None = None,
        birth_year: int = 1980,
        education: str = "compulsory",
        municipality: str | None = None,
        support: list[str] | None = None,
        months_on_public_support: int | None = None,
        months_without_work_or_studies: int | None = None,
    ) -> str:
        self.people += 1
        data: dict[str, Any] = {
            "pseudonym": pseudonym or f"person-{self.people:04d}",
            "enrolled_on": enrolled_on.isoformat(),
            "sex": sex,
            "birth_year": birth_year,
            "education": education,
            "support": support if support is not None else ["social_assistance"],
        }
        if municipality is not None:
            data["municipality"] = municipality
        if months_on_public_support is not None:
            data["months_on_public_support"] = months_on_public_support
        if months_without_work_or_studies is not None:
            data["months_without_work_or_studies"] = months_without_work_or_studies
        eid = str(uuid.uuid4())
        self._emit("enrolled", eid, data, intervention_id)
        return eid

    def change_support(self, eid: str, changed_on: date, support: list[str]) -> None:
        self._emit(
            "support_changed", eid, {"changed_on": changed_on.isoformat(), "support": support}
        )

    def exit(
        self,
        eid: str,
        exited_on: date,
        reason: str,
        *,
        support_at_exit: list[str] | None = None,
        progressed: bool | None = None,
    ) -> None:
        data: dict[str, Any] = {"exited_on": exited_on.isoformat(), "reason": reason}
        if support_at_exit is not None:
            data["support_at_exit"] = support_at_exit
        if progressed is not None:
            data["progressed"] = progressed
        self._emit("exited", eid, data)

    def retract(self, eid: str) -> None:
        self._emit("exit_retracted", eid, {"why": "fel i registreringen"})

    def correct(self, eid: str, **fields: Any) -> None:
        self._emit("corrected", eid, fields)

    def void(self, eid: str) -> None:
        self._emit("voided", eid, {"why": "fel person"})


def cell(total: Any, female: Any, male: Any) -> dict[str, Any]:
    return {"total": total, "female": female, "male": male}


def sodra_dalarna() -> Journal:
    """Avesta: 58 aktiva (33/25), 16 avslut, 12 mot mål (75 %), 8/4, 28/15,2 mån, 8,1/1,7 år.
    Säter: 39 aktiva (17/22), 10 avslut, 6 mot mål (60 %), 4/2."""
    j = Journal()
    avesta = "samverkansteam-avesta"
    goal_f = [
        # (throughput days, months on public support before, reason)
        (700, 60, "work"),
        (750, 80, "work"),
        (800, 90, "work"),
        (850, 95, "studies"),
        (860, 100, "studies"),
        (900, 110, "vocational_rehab"),
        (950, 120, "vocational_rehab"),
        (1006, 126, "job_seeking"),
    ]
    for i, (days, before, reason) in enumerate(goal_f):
        exited_on = date(2021, 2 + i, 15)
        eid = j.enroll(
            avesta, exited_on - timedelta(days=days), "female", months_on_public_support=before
        )
        j.exit(eid, exited_on, reason)
    goal_m = [
        (400, 12, "work"),
        (450, 18, "subsidised_work"),
        (480, 24, "vocational_rehab"),
        (522, 28, "job_seeking"),
    ]
    for i, (days, before, reason) in enumerate(goal_m):
        exited_on = date(2021, 3 + i, 20)
        eid = j.enroll(
            avesta, exited_on - timedelta(days=days), "male", months_on_public_support=before
        )
        j.exit(eid, exited_on, reason)
    for sex, reason in [
        ("female", "medical_rehab"),
        ("female", "parental_leave"),
        ("male", "moved"),
        ("male", "other"),
    ]:
        eid = j.enroll(avesta, date(2020, 12, 14), sex)
        j.exit(eid, date(2021, 10, 10), reason)
    # An early dropout: enrolled 31 May, left 30 July (the window ends 31 July).
    eid = j.enroll(avesta, date(2021, 5, 31), "female")
    j.exit(eid, date(2021, 7, 30), "discontinued")
    # Still active at the end of 2021: 22 women (12 new), 19 men (8 new).
    for i in range(22):
        if i < 12:
            j.enroll(avesta, date(2021, 1 + i, 1), "female", months_on_public_support=24)
        else:
            j.enroll(avesta, date(2020, 6, 1), "female")
    for i in range(19):
        if i < 8:
            j.enroll(avesta, date(2021, 3 + i, 1), "male", months_on_public_support=6)
        else:
            j.enroll(avesta, date(2020, 6, 1), "male")
    # Not active in 2021: left on New Year's Eve 2020, came in 2022, registered in error.
    eid = j.enroll(avesta, date(2020, 2, 1), "female")
    j.exit(eid, date(2020, 12, 31), "work")
    j.enroll(avesta, date(2022, 1, 1), "male")
    eid = j.enroll(avesta, date(2021, 2, 1), "male")
    j.exit(eid, date(2021, 6, 1), "work")
    j.void(eid)

    sater = "samverkansteam-sater"
    for sex, reason in [("female", "work")] * 4 + [("male", "studies")] * 2:
        eid = j.enroll(sater, date(2020, 3, 1), sex)
        j.exit(eid, date(2021, 9, 1), reason)
    for sex, reason in [("female", "medical_rehab")] + [("male", "sickness_compensation")] * 3:
        eid = j.enroll(sater, date(2020, 3, 1), sex)
        j.exit(eid, date(2021, 9, 1), reason)
    for _ in range(12):
        j.enroll(sater, date(2019, 6, 1), "female")
    for _ in range(17):
        j.enroll(sater, date(2019, 6, 1), "male")
    return j


def gron_rehab() -> Journal:
    """19 aktiva (16 K, 3 M), 19 avslut, 1 tidigt avhopp; 4 till annan arbetslivsinriktad
    rehab, 3 till medicinsk rehab, 4 till sjukersättning, 7 till annat; 0 aktiva vid
    ingången av 2023; genomströmningstid 27 v; tid utan arbete eller studier 3,7 år."""
    j = Journal()
    gron = "gron-rehab"
    eid = j.enroll(gron, date(2022, 1, 31), "female", months_without_work_or_studies=44)
    j.exit(eid, date(2022, 3, 30), "discontinued", progressed=False)  # the window ends 31 Mar
    reasons = (["vocational_rehab"] * 4 + ["medical_rehab"] * 3 + ["sickness_compensation"] * 4) + [
        "other"
    ] * 7
    men = {3, 10, 17}  # one to vocational rehab, one to sickness compensation, one to other
    for i, reason in enumerate(reasons):
        enrolled_on = date(2022, 1, 3) + timedelta(days=7 * i)
        days = 150 if i % 2 == 0 else 228
        eid = j.enroll(
            gron,
            enrolled_on,
            "male" if i in men else "female",
            months_without_work_or_studies=30 if i % 2 == 0 else 58,
        )
        progressed = reason in ("vocational_rehab", "medical_rehab")
        j.exit(
            eid,
            enrolled_on + timedelta(days=days),
            reason,
            progressed=None if i == 17 else progressed,
        )
    return j
