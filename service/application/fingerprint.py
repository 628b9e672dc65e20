"""Request fingerprints for idempotency: the same body gives the same hash."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import orjson

from service.plain_json import written_alike

# Stored events keep these hashes, so the canonical text can never change: it is what
# json.dumps(sort_keys=True, separators=(",", ":"), default=str) writes. orjson writes the
# same bytes for plain values when the result is ASCII without DEL (json escapes the rest).
_ORJSON_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


def fingerprint(body: dict[str, Any]) -> str:
    """SHA-256 of the body as canonical JSON (sorted keys, dates as ISO strings)."""
    return hashlib.sha256(canonical_json(body)).hexdigest()


def canonical_json(body: dict[str, Any]) -> bytes:
    """The body as canonical JSON: orjson's bytes where they are json's, else json's."""
    if written_alike(body):
        try:
            fast = orjson.dumps(body, default=str, option=_ORJSON_OPTIONS)
        except orjson.JSONEncodeError:  # e.g. an int beyond 64 bits
            pass
        else:
            if fast.isascii() and b"\x7f" not in fast:
                return fast
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode()
