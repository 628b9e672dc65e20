"""Request fingerprints for idempotency: the same body gives the same hash."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def fingerprint(body: dict[str, Any]) -> str:
    """SHA-256 of the body as canonical JSON (sorted keys, dates as ISO strings)."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()
