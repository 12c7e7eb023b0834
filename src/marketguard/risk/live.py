"""The rule sets an API process decides with: cached, refreshed, shadow counts batched.

Why: deciding an event takes microseconds, but asking the database which
version is active and adding a shadow disagreement to its counters took a unit
of work per request, which capped one API process at ~300 requests/s. So each
process keeps the active and shadow versions in memory and reloads them at
most every ``REFRESH_S`` seconds (at once after a state change committed in
this process), and it adds shadow counts in memory and writes them with that
same reload, as one upsert per pair. What that trades away, and no more:

* an activation made by another process (the CLI, another API process) takes
  effect here within ``REFRESH_S``;
* the shadow report read in another process may lag by up to ``REFRESH_S`` of
  traffic (this process's own report, and shutdown, write pending counts first).

Events are decided one request at a time in arrival order (an ``asyncio.Lock``)
so that batches of any size give the same decisions as one stream; large
batches are decided on a worker thread so the event loop keeps answering.
With ``risk_state = "redis"`` the feature state is shared by every API process
(see :mod:`marketguard.risk.shared_api`); a small batch then blocks the loop for
its one pipelined Redis round trip, which measured faster than a thread hop.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool

from marketguard import db
from marketguard.config import Settings
from marketguard.errors import Conflict
from marketguard.risk import rulesets
from marketguard.risk.model import RuleSet
from marketguard.risk.rulesets import ShadowCounts
from marketguard.risk.shared_api import ProcessDecider, RedisDecider

REFRESH_S = 1.0
"""Longest time a process decides with versions it has not re-read from the database."""
INLINE_EVENTS = 64
"""Batches up to this size are decided on the event loop; larger ones on a thread."""

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The versions read from the database at one moment."""

    active: RuleSet | None
    shadow: RuleSet | None
    loaded_at: float
    generation: int


class LiveRules:
    """The live rule sets of one database, as seen by one API process."""

    def __init__(
        self,
        database_url: str,
        refresh_s: float = REFRESH_S,
        decider: ProcessDecider | RedisDecider | None = None,
    ) -> None:
        self.database_url = database_url
        self.refresh_s = refresh_s
        self.decider = decider or ProcessDecider()
        self._snapshot: Snapshot | None = None
        self._refreshing: asyncio.Task[None] | None = None
        self._pending: dict[tuple[str, str], ShadowCounts] = {}
        self._pending_lock = threading.Lock()
        self._turn = asyncio.Lock()

    def load(self) -> Snapshot:
        """Write pending shadow counts, then re-read the live versions (blocking)."""
        seen = rulesets.generation()
        self.flush()
        with db.session_factory(self.database_url)() as session:
            active, shadow = rulesets.live_versions(session)
        snapshot = Snapshot(active, shadow, time.monotonic(), seen)
        self._snapshot = snapshot
        return snapshot

    async def current(self) -> tuple[RuleSet, RuleSet | None]:
        """Return the active and shadow versions, reloading when stale."""
        snapshot = self._snapshot
        if snapshot is None or snapshot.generation != rulesets.generation():
            snapshot = await run_in_threadpool(self.load)
        elif time.monotonic() - snapshot.loaded_at > self.refresh_s and self._refreshing is None:
            # serve with what we have; the reload happens beside this request
            self._refreshing = asyncio.get_running_loop().create_task(self._refresh())
        if snapshot.active is None:
            raise Conflict(rulesets.NO_ACTIVE)
        return snapshot.active, snapshot.shadow

    async def _refresh(self) -> None:
        try:
            await run_in_threadpool(self.load)
        except Exception:  # keep deciding with the versions we have
            log.exception("could not re-read the live risk rule sets; will retry")
        finally:
            self._refreshing = None

    async def decide(self, events: Sequence[Any]) -> tuple[str, list[dict[str, Any]]]:
        """Decide a batch with the active version; run the shadow one beside it."""
        active, shadow = await self.current()
        async with self._turn:
            if len(events) <= INLINE_EVENTS:
                decisions = self._decide(active, shadow, events)
            else:
                decisions = await run_in_threadpool(self._decide, active, shadow, events)
        return active.version, decisions

    def _decide(
        self, active: RuleSet, shadow: RuleSet | None, events: Sequence[Any]
    ) -> list[dict[str, Any]]:
        decisions = self.decider.decide(active, events, shadow=False)
        if shadow is not None:
            candidate = self.decider.decide(shadow, events, shadow=True)
            counts = rulesets.compare(decisions, candidate)
            self._add(active.version, shadow.version, counts)
        return decisions

    def _add(self, active: str, shadow: str, counts: ShadowCounts) -> None:
        with self._pending_lock:
            pair = (active, shadow)
            before = self._pending.get(pair)
            self._pending[pair] = counts if before is None else before.plus(counts)

    def flush(self) -> None:
        """Write the shadow counts gathered since the last flush (blocking).

        On a database error the counts are kept for the next flush.
        """
        with self._pending_lock:
            pending, self._pending = self._pending, {}
        if not pending:
            return
        try:
            with db.session_factory(self.database_url)() as session, session.begin():
                for (active, shadow), counts in pending.items():
                    rulesets.add_shadow_counts(session, active, shadow, counts)
        except BaseException:
            for (active, shadow), counts in pending.items():
                self._add(active, shadow, counts)
            raise


def live_rules(state: Any) -> LiveRules:
    """Return the app's :class:`LiveRules` (``state`` is ``app.state``), made on first use."""
    found: LiveRules | None = getattr(state, "live_rules", None)
    if found is None:
        settings: Settings = state.settings
        limits = settings.risk_time_limits
        decider: ProcessDecider | RedisDecider = ProcessDecider(limits=limits)
        if settings.risk_state == "redis":
            assert settings.redis_url is not None  # the settings refuse redis without a URL
            decider = RedisDecider(
                settings.redis_url, namespace=settings.risk_namespace, limits=limits
            )
        found = state.live_rules = LiveRules(settings.database_url, decider=decider)
    return found


def flush_live_rules(state: Any) -> None:
    """Write the pending shadow counts of the app, if it decided anything (shutdown)."""
    found: LiveRules | None = getattr(state, "live_rules", None)
    if found is not None:
        found.flush()
