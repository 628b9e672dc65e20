"""Stored events back into domain events, at rebuild speed: the mapper's result, cheaper.

`Mapper.to_domain_event` decodes the state with the stdlib JSON decoder and a Python
object hook called for every JSON object. Here orjson parses the same bytes and one walk
revives the `{"_type_": ..., "_data_": ...}` objects with the store's own registered
transcodings, so both decoders give the same event. Anything this path does not cover
(a cipher, compression, upcasting, JSON orjson refuses such as NaN, any number that is not
a 64-bit integer) goes through the mapper.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import (
    Mapper,
    StoredEvent,
    TranscodingNotRegisteredError,
)
from eventsourcing.utils import resolve_topic


class _Inexact(Exception):
    """A float in the state: orjson reads integers beyond 64 bits as floats, json exactly."""


class EventDecoder:
    """Turns stored event rows into the domain events the mapper would make."""

    def __init__(self, mapper: Mapper[Any]) -> None:
        self.mapper = mapper
        transcoder: Any = mapper.transcoder
        self.revivers: dict[str, Callable[[Any], Any]] = {
            name: transcoding.decode for name, transcoding in transcoder.names.items()
        }
        self.fast = mapper.cipher is None and mapper.compressor is None

    def to_domain_event(
        self, originator_id: UUID, originator_version: int, topic: str, state: bytes
    ) -> Any:
        """The domain event of one stored row."""
        cls = _event_class(topic)
        event_state = self.decode_state(state) if self.fast and cls is not None else None
        if cls is None or event_state is None:
            stored = StoredEvent(originator_id, originator_version, topic, state)
            return self.mapper.to_domain_event(stored)
        event_state["originator_id"] = originator_id
        event_state["originator_version"] = originator_version
        event: Any = object.__new__(cls)  # what the mapper does: no __init__, the state as is
        object.__setattr__(event, "__dict__", event_state)
        return event

    def decode_state(self, state: bytes) -> dict[str, Any] | None:
        """The stored state as the transcoder decodes it; None when orjson refuses it."""
        try:
            decoded = orjson.loads(state)
        except orjson.JSONDecodeError:
            return None
        if type(decoded) is not dict or "class_version" in decoded:
            return None
        try:
            return self._revive_dict(decoded)
        except _Inexact:  # our events hold no floats: leave the rare one to the mapper
            return None

    def _revive_dict(self, value: dict[str, Any]) -> Any:
        # Inner objects first, as the object hook sees them (it runs bottom-up).
        for key, item in value.items():
            if type(item) is dict:
                value[key] = self._revive_dict(item)
            elif type(item) is list:
                self._revive_list(item)
            elif type(item) is float:
                raise _Inexact
        if len(value) == 2 and "_type_" in value and "_data_" in value:
            name = value["_type_"]
            try:
                revive = self.revivers[name]
            except KeyError:
                raise TranscodingNotRegisteredError(
                    f"Data serialized with name {name!r} is not deserializable"
                ) from None
            return revive(value["_data_"])
        return value

    def _revive_list(self, value: list[Any]) -> None:
        for n, item in enumerate(value):
            if type(item) is dict:
                value[n] = self._revive_dict(item)
            elif type(item) is list:
                self._revive_list(item)
            elif type(item) is float:
                raise _Inexact


@lru_cache(maxsize=256)
def _event_class(topic: str) -> type | None:
    """The event class of a topic; None when it needs upcasting (left to the mapper)."""
    cls: type = resolve_topic(topic)
    return cls if getattr(cls, "class_version", 1) == 1 else None
