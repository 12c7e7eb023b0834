"""Every API route declares who may call it."""

from __future__ import annotations

from fastapi.routing import APIRoute

from marketguard.app import create_app
from marketguard.auth.deps import route_policy
from marketguard.config import Settings

PUBLIC_OPS = {"/healthz", "/readyz"}


def test_when_walking_every_route_then_each_declares_a_policy() -> None:
    app = create_app(Settings(database_url="sqlite://"))
    missing = [
        f"{sorted(route.methods)} {route.path}"
        for route in app.routes
        if isinstance(route, APIRoute)
        and route.path not in PUBLIC_OPS
        and route_policy(route.dependant) is None
    ]
    assert missing == [], f"routes without an authorization policy: {missing}"
