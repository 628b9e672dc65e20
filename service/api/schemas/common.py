"""Shared schema pieces."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$", examples=["sodra-dalarna"])]
Count = Annotated[int, Field(ge=0, le=1_000_000)]


class Strict(BaseModel):
    """Request bodies: unknown fields are rejected (422)."""

    model_config = ConfigDict(extra="forbid")


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[dict[str, Any]] | None = None


class WriteResult(BaseModel):
    """The id and new version of what was written."""

    id: str
    version: int
