"""Reach the real Redis and NATS services, or skip (fail when CI=true)."""

from __future__ import annotations

import asyncio
import os

import pytest


def unavailable(what: str, reason: str) -> None:
    """Skip a test whose service is down, unless CI=true where that is a failure."""
    message = f"{what} is not reachable ({reason}); start it or set its URL"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def redis_url() -> str:
    return os.environ.get("MARKETGUARD_REDIS_URL") or "redis://127.0.0.1:6379/0"


def nats_url() -> str:
    return os.environ.get("MARKETGUARD_NATS_URL") or "nats://127.0.0.1:4222"


def require_redis() -> None:
    import redis

    try:
        redis.Redis.from_url(redis_url(), socket_connect_timeout=2).ping()
    except (redis.RedisError, OSError) as exc:
        unavailable(f"Redis at {redis_url()}", str(exc))


def require_nats() -> None:
    import nats

    async def probe() -> None:
        client = await nats.connect(nats_url(), connect_timeout=2, allow_reconnect=False,
                                    max_reconnect_attempts=0)
        try:
            await client.jetstream().account_info()
        finally:
            await client.close()

    try:
        asyncio.run(probe())
    except Exception as exc:  # any failure to reach JetStream means "unavailable"
        unavailable(f"NATS JetStream at {nats_url()}", f"{type(exc).__name__}: {exc}")
