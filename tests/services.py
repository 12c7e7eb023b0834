"""Find the real services (PostgreSQL, Redis, NATS) or explain why a test skips.

Outside CI a missing service skips its tests with a message naming it; under
``CI=true`` a missing service fails them, so a green CI run always means the
production adapters were exercised.
"""

from __future__ import annotations

import os
import socket

import pytest

POSTGRES_ADMIN_URL = os.environ.get(
    "MARKETGUARD_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("MARKETGUARD_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
NATS_URL = os.environ.get("MARKETGUARD_TEST_NATS_URL", "nats://127.0.0.1:4222")

_PORTS = {
    "postgres": ("127.0.0.1", 5432, POSTGRES_ADMIN_URL),
    "redis": ("127.0.0.1", 6379, REDIS_URL),
    "nats": ("127.0.0.1", 4222, NATS_URL),
}
_seen: dict[str, bool] = {}


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def require(service: str) -> str:
    """Return the service URL, or skip (fail under CI) when it does not answer."""
    host, port, url = _PORTS[service]
    if service not in _seen:
        _seen[service] = _answers(host, port)
    if not _seen[service]:
        message = f"{service} is not running on {host}:{port}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}, and CI=true requires it", pytrace=False)
        pytest.skip(f"{message}; start it to run this test")
    return url
