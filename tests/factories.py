"""Request bodies as the tests send them: one builder for each, instead of a copy per file.

- `coach_enrollment`: the enrollment a coach posts in the in-process tests (a woman born
  1990, enrolled 2023-03-01); keyword arguments change or add fields.
- `enrollment_body` and `EXIT_BODY`: bodies for the tests and benchmarks against a real
  server, varied by `day` so that many of them look like a register's.
- `batch_enrolled` and `batch_event`: items of `POST .../events:batch`.
- `unique_pseudonym`: a pseudonym of its own for every run, which the guard never refuses.
"""

from __future__ import annotations

import uuid
from typing import Any


def unique_pseudonym(name: str) -> str:
    """A pseudonym no other run spells: `name`, then a whole UUID's 32 hex digits. The
    personnummer guard sets a hex digest of 16 or more characters aside unscanned; a
    shorter random tail (12 hex digits) spells a valid personnummer now and then, and
    is refused (one CI run failed on it: personnummer_guard)."""
    return f"{name}-{uuid.uuid4().hex}"


def coach_enrollment(**fields: Any) -> dict[str, Any]:
    """A valid enrollment body; `fields` override or add to it."""
    return {
        "pseudonym": "pseudonym-0001",
        "enrolled_on": "2023-03-01",
        "sex": "female",
        "birth_year": 1990,
        "education": "upper_secondary",
        "support": ["social_assistance"],
        **fields,
    }


def enrollment_body(pseudonym: str, eid: str | None = None, day: int = 1) -> dict[str, Any]:
    """An enrollment with a pseudonym; `eid` makes it idempotent."""
    body: dict[str, Any] = {
        "pseudonym": pseudonym,
        "enrolled_on": f"2024-01-{1 + day % 28:02d}",
        "sex": "female" if day % 2 else "male",
        "birth_year": 1970 + day % 35,
        "education": "upper_secondary",
        "support": ["social_assistance"],
        "months_on_public_support": day % 60,
    }
    if eid is not None:
        body["id"] = eid
    return body


EXIT_BODY = {"exited_on": "2024-09-30", "reason": "work", "progressed": True}


def batch_enrolled(
    enrollment_id: str, pseudonym: str, intervention_id: str = "team-a", **data: Any
) -> dict[str, Any]:
    """An `enrolled` batch item with a fresh id; `data` overrides or adds fields."""
    return {
        "id": str(uuid.uuid4()),
        "type": "enrolled",
        "enrollment_id": enrollment_id,
        "intervention_id": intervention_id,
        "data": {
            "pseudonym": pseudonym,
            "enrolled_on": "2022-02-01",
            "sex": "female",
            "birth_year": 1992,
            "education": "compulsory",
            "support": ["social_assistance"],
            **data,
        },
    }


def batch_event(kind: str, enrollment_id: str, **data: Any) -> dict[str, Any]:
    """A batch item of another kind (`exited`, `voided` ...) with a fresh id."""
    return {"id": str(uuid.uuid4()), "type": kind, "enrollment_id": enrollment_id, "data": data}


# The red team's spellings (and a samordningsnummer), as they were sent.
RED_TEAM_SPELLINGS = [
    "PNR:198112189876",
    "pnr 19811218-9876",
    "19811218-9876 Anna Andersson",
    "19811218\u20139876",
    "19811218_9876",
    "1981-12-18-9876",
    "\uff11\uff19\uff18\uff11\uff11\uff12\uff11\uff18\uff19\uff18\uff17\uff16",
    "1981\u200b1218\u200f9876",
    "701063-2391",
    # Nine characters, twelve digits once NFKC has read the circled numbers (review of
    # issue 21: the guard let a text under ten characters off before NFKC).
    "\u2472\u2467\u2460\u246b\u2471\u2468\u2467\u2466\u2465",
    # A modifier letter that looks like a dash (U+30FC), found by a review's attack.
    "19811218\u30fc9876",
]
