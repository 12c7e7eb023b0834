"""Queue this process's SQLite writers fairly, first come first served.

Why: SQLite admits one writer at a time and makes the others poll with growing
sleeps, which is unfair — under 50 concurrent notices some requests waited past
the 10 s busy timeout while newcomers got in. Routes that write take a turn
here first (released after the request's commit), so waiting is FIFO. The turn
is an asyncio lock: waiting for it holds no worker thread (a thread-blocking lock
would let 40 waiters starve the holder of the threads it needs to finish).
PostgreSQL needs no turn: it queues writers in the database.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends

from marketguard.api.deps import SettingsDep

_turns: dict[tuple[str, int], asyncio.Lock] = {}


async def write_turn(settings: SettingsDep) -> AsyncIterator[None]:
    """Hold this database's writer turn for the request (SQLite only)."""
    if not settings.is_sqlite:
        yield
        return
    key = (settings.database_url, id(asyncio.get_running_loop()))
    lock = _turns.setdefault(key, asyncio.Lock())  # asyncio.Lock wakes waiters in order
    async with lock:
        yield


# Declare it as a route's first parameter: entered before the session, left after commit.
WriteTurn = Annotated[None, Depends(write_turn, scope="function")]
