"""Which methods the app's routes answer at a path (the API's 405 and the pages' 303)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi.routing import iter_route_contexts
from starlette.routing import compile_path


def methods_at(routes: Sequence[Any], path: str) -> set[str]:
    """Every method of the routes whose path matches `path`, not just the first route's."""
    methods: set[str] = set()
    for route in iter_route_contexts(routes):
        pattern, route_methods = getattr(route, "path", None), getattr(route, "methods", None)
        if pattern and route_methods and compile_path(pattern)[0].fullmatch(path):
            methods |= route_methods
    return methods
