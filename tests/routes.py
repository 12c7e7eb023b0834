"""Walk every API route of an app, through included routers at any depth.

Why: FastAPI (0.165+) keeps ``include_router`` as nested router objects, so
``app.routes`` alone no longer lists the API routes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute


def _walk(routes: list[Any], prefix: str) -> Iterator[tuple[str, APIRoute]]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
            continue
        context = getattr(route, "include_context", None)
        inner = getattr(route, "original_router", None)
        if context is not None and inner is not None:
            yield from _walk(list(inner.routes), prefix + (context.prefix or ""))


def api_routes(app: FastAPI) -> Iterator[tuple[str, str, APIRoute]]:
    """Yield ``(method, full path, route)`` for every API route of ``app``."""
    for path, route in _walk(list(app.routes), ""):
        for method in sorted(route.methods):
            yield method, path, route
