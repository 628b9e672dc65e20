"""SCB's kommunkoder: the 290 kommuner a `municipality` may name (issue 17, finding 8).

Any four digits used to be a kommun: a batch of 10,000 made-up codes made a 10,000-row
kommun table, and the docx export took 37.5 s. The list is shipped as data
(service/domain/data/kommunkoder.csv, with its source and date); it also gives the
annual export its kommun names.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType

DATA = Path(__file__).with_name("data") / "kommunkoder.csv"


@cache
def municipality_names() -> Mapping[str, str]:
    """Kommunkod → the kommun's name, for all 290 kommuner."""
    names: dict[str, str] = {}
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#") or line == "kod;namn":
            continue
        code, name = line.split(";")
        names[code] = name
    return MappingProxyType(names)


def is_municipality(code: str) -> bool:
    """True for a kommunkod of SCB's list."""
    return code in municipality_names()
