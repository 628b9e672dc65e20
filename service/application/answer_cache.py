"""Statistics answers kept between requests in this process, each under the token its
association had when it was computed (adapters/statistics_versions, decisions.md §26).

A kept answer is served only while the association's token read in the request's own
(caught-up) read transaction is still that token: every change to the association's read
models renews it in the same transaction, so an answer is never older than the newest
write acknowledged before the request. Answers are kept as their JSON (bytes): immutable,
so no caller can change a kept answer, and the API sends them as they are.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from threading import Lock


class AnswerCache:
    """A bounded LRU of answers with their tokens; safe for the server's threads."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._kept: OrderedDict[Hashable, tuple[str | None, bytes]] = OrderedDict()
        self._lock = Lock()

    def get(self, key: Hashable, token: str | None) -> bytes | None:
        """The answer kept under `key`, if it was computed under `token`."""
        with self._lock:
            kept = self._kept.get(key)
            if kept is None or kept[0] != token:
                return None
            self._kept.move_to_end(key)
            return kept[1]

    def put(self, key: Hashable, token: str | None, answer: bytes) -> None:
        """Keep `answer` under `key` and `token` (the least recent goes)."""
        with self._lock:
            self._kept[key] = (token, answer)
            self._kept.move_to_end(key)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
