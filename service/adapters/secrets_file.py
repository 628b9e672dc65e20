"""Pseudonym keys held outside the database, in a file only the service user can read."""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class PseudonymKeys:
    """One HMAC key per association, from a master key or a JSON secrets file."""

    def __init__(self, path: Path, master_key: str | None = None) -> None:
        self.path = path
        self.master_key = master_key

    def key_for(self, association_id: str) -> bytes:
        """The association's key; created in the secrets file on first use."""
        if self.master_key is not None:
            return hmac.new(
                self.master_key.encode(), association_id.encode(), hashlib.sha256
            ).digest()
        key = self._read().get(association_id)
        if key is None:
            key = self._create(association_id)
        return bytes.fromhex(key)

    def _create(self, association_id: str) -> str:
        # Several processes may meet here (serve's request workers, an import): the first
        # creates the key, the others must read that one, never make a second. A key lost
        # this way would leave pseudonyms that nothing can match again.
        with self._locked():
            keys = self._read()
            if association_id not in keys:
                keys[association_id] = secrets.token_hex(32)
                self._write(keys)
            return keys[association_id]

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """An exclusive lock across processes (and threads: each call opens its own file)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # The folder itself: no lock file that another user (a root-run command) could own.
        lock = os.open(self.path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield
        finally:
            os.close(lock)  # releases the lock

    def _read(self) -> dict[str, str]:
        if not self.path.exists():
            return {}
        data: dict[str, str] = json.loads(self.path.read_text()).get("associations", {})
        return data

    def _write(self, keys: dict[str, str]) -> None:
        # A temporary file of its own (mode 0600), replaced into place whole: a reader
        # sees the old file or the new one, never half of one.
        descriptor, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".secrets-")
        try:
            with os.fdopen(descriptor, "w") as handle:
                json.dump({"associations": keys}, handle, indent=2)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
            _sync_folder(self.path.parent)  # the new name itself must survive a crash
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def _sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
