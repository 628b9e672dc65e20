"""Pseudonym keys held outside the database, in a file only the service user can read."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
from pathlib import Path


class PseudonymKeys:
    """One HMAC key per association, from a master key or a JSON secrets file."""

    def __init__(self, path: Path, master_key: str | None = None) -> None:
        self.path = path
        self.master_key = master_key
        self._lock = threading.Lock()

    def key_for(self, association_id: str) -> bytes:
        """The association's key; created in the secrets file on first use."""
        if self.master_key is not None:
            return hmac.new(
                self.master_key.encode(), association_id.encode(), hashlib.sha256
            ).digest()
        with self._lock:
            keys = self._read()
            if association_id not in keys:
                keys[association_id] = secrets.token_hex(32)
                self._write(keys)
            return bytes.fromhex(keys[association_id])

    def _read(self) -> dict[str, str]:
        if not self.path.exists():
            return {}
        data: dict[str, str] = json.loads(self.path.read_text()).get("associations", {})
        return data

    def _write(self, keys: dict[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump({"associations": keys}, handle, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)
