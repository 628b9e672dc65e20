"""Layout shared by the exporters: header spans, flat headers and safe file and sheet names."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from service.reporting.model import Column, Table

SHEET_NAME_LIMIT = 31  # Excel's limit
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can hold
CORE_DATES = re.compile(rb"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)")


@dataclass(frozen=True, slots=True)
class HeaderSpan:
    """Consecutive columns under one group heading; an empty group spans both header rows."""

    group: str
    first: int
    count: int


def header_spans(columns: Sequence[Column]) -> list[HeaderSpan]:
    """Runs of equal group headings, left to right; ungrouped columns stand alone."""
    spans: list[HeaderSpan] = []
    for index, column in enumerate(columns):
        last = spans[-1] if spans else None
        if last and column.group and last.group == column.group:
            spans[-1] = HeaderSpan(last.group, last.first, last.count + 1)
        else:
            spans.append(HeaderSpan(column.group, index, 1))
    return spans


def flat_header(column: Column) -> str:
    """One-line header for formats without merged cells: '2023 Kvinnor'."""
    return f"{column.group} {column.label}".strip()


def slug(text: str, limit: int = 60) -> str:
    """ASCII, lower case, hyphenated: 'Ålder Samverkansteam Avesta' -> 'alder-samverkansteam-avesta'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:limit].rstrip("-")


def sheet_names(tables: Sequence[Table]) -> list[str]:
    """Unique Excel sheet names of at most 31 characters, never cut mid-word or with "…":
    the number, the kind of table and as many of the name's last (most telling) words as
    fit, e.g. '05 Resultat Kraften Hedemora' for 'Resultat Samverkansteam Kraften Hedemora'."""
    return [
        short_sheet_name(number, re.sub(r"[\[\]:*?/\\']", "-", table.short_name))
        for number, table in enumerate(tables, start=1)
    ]


def short_sheet_name(number: int, name: str) -> str:
    """'NN kind words…' within SHEET_NAME_LIMIT, whole words only; the number keeps it unique."""
    prefix = f"{number:02d} "
    if len(prefix + name) <= SHEET_NAME_LIMIT:
        return prefix + name
    words = name.split()
    # The kind of table is its first word and the lower-case words after it.
    cut = next((i for i, w in enumerate(words[1:], 1) if not w[:1].islower()), len(words))
    kind, rest = " ".join(words[:cut]), words[cut:]
    kept: list[str] = []
    for word in reversed(rest):
        candidate = " ".join([prefix + kind, word, *kept])
        if len(candidate) > SHEET_NAME_LIMIT:
            break
        kept.insert(0, word)
    return " ".join([prefix + kind, *kept])[:SHEET_NAME_LIMIT]


def file_names(tables: Sequence[Table], extension: str) -> list[str]:
    """Unique file names in table order: '01_oversikt.csv'."""
    return [
        f"{number:02d}_{slug(table.short_name)}.{extension}"
        for number, table in enumerate(tables, start=1)
    ]


def stable_package(data: bytes, instant: str | None) -> bytes:
    """An Office file with fixed zip entry times and, given an instant, fixed core dates.

    With `as_of` the same export is then the same bytes, as product.md §9 asks of numbers.
    """
    stamp = _w3c_instant(instant)
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if stamp and info.filename == "docProps/core.xml":
                content = CORE_DATES.sub(rb"\g<1>" + stamp.encode() + rb"\g<3>", content)
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            target.writestr(entry, content)
    return buffer.getvalue()


def _w3c_instant(instant: str | None) -> str | None:
    """'2024-02-15T09:00:00+01:00' -> '2024-02-15T08:00:00Z'; None if not an instant."""
    if not instant:
        return None
    try:
        moment = datetime.fromisoformat(instant)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return f"{moment:%Y-%m-%dT%H:%M:%S}Z"
