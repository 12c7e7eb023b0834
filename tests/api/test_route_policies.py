"""Every API route declares who may call it."""

from __future__ import annotations

from marketguard.app import create_app
from marketguard.auth.deps import route_policy
from marketguard.config import Settings
from tests.routes import api_routes

PUBLIC_OPS = {"/healthz", "/readyz", "/privacy"}  # /privacy: the public privacy notice


def test_when_walking_every_route_then_each_declares_a_policy() -> None:
    app = create_app(Settings(database_url="sqlite://"))
    routes = list(api_routes(app))
    assert len(routes) > len(PUBLIC_OPS)  # the walk found the included routers
    missing = [
        f"{method} {path}"
        for method, path, route in routes
        if path not in PUBLIC_OPS and route_policy(route.dependant) is None
    ]
    assert missing == [], f"routes without an authorization policy: {missing}"
