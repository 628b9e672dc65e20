"""Who is asking: the identity and reach of one API key, as the rules of access see it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    """Who is calling: one API key's identity and reach."""

    key_id: str
    role: str
    association_id: str | None
    interventions: frozenset[str]
