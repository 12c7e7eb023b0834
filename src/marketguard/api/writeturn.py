"""Admit a bounded number of writing requests at a time, first come first served.

Why: every write appends to the audit chain, whose head row serialises writers.
Without a bound, two failure modes appeared under 50 concurrent notices:

* SQLite admits one writer and makes the others poll with growing sleeps, which
  is unfair: some requests waited past the 10 s busy timeout while newcomers got in.
* PostgreSQL queues writers on the head row, but each waiter holds one of the 40
  worker threads; with all of them waiting, the lock holder found no free thread
  to run its commit (FastAPI runs the session's exit in the thread pool) and every
  request hung.

Every request that opens a unit of work with a writing method (anything but
GET, HEAD and OPTIONS) takes a turn here first, in the event loop (waiting
holds no thread), and gives it back after the request's commit: one turn for
SQLite (its single writer, now in FIFO order), a few for PostgreSQL (fewer than
the threads). :data:`marketguard.api.deps.SessionDep` depends on it, so no route
can forget it; reads and the risk decisions route (no unit of work) never wait.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request

from marketguard.config import Settings

SQLITE_TURNS = 1
POSTGRES_TURNS = 8  # well below the 40 worker threads and the 30 pooled connections

_turns: dict[tuple[str, int], asyncio.Semaphore] = {}


READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def write_turn(request: Request) -> AsyncIterator[None]:
    """Hold one of this database's writer turns for a writing request."""
    if request.method in READING_METHODS:
        yield
        return
    async with _turns_for(request):
        yield


async def read_write_turn(request: Request) -> AsyncIterator[None]:
    """Hold a writer turn for a GET that may write (a read that is logged)."""
    async with _turns_for(request):
        yield


def _turns_for(request: Request) -> asyncio.Semaphore:
    settings: Settings = request.app.state.settings
    key = (settings.database_url, id(asyncio.get_running_loop()))
    turns = _turns.get(key)
    if turns is None:  # asyncio.Semaphore wakes its waiters in arrival order
        size = SQLITE_TURNS if settings.is_sqlite else POSTGRES_TURNS
        turns = _turns.setdefault(key, asyncio.Semaphore(size))
    return turns


# A dependency of the session: entered before the session opens, left after its commit.
WriteTurn = Annotated[None, Depends(write_turn, scope="function")]
LoggedReadTurn = Annotated[None, Depends(read_write_turn, scope="function")]
