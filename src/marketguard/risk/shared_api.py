"""Where the API's feature state lives: in this process, or shared in Redis.

Why: with ``MARKETGUARD_RISK_STATE=process`` each API process keeps its own
windows and sees only the traffic the load balancer gives it. With ``redis``
every process decides through :class:`~marketguard.risk.shared.SharedEngine`,
the same exactly-once script the shared stream workers use, so the decisions
equal one serial stream of all the processes' events, in commit order.

Keys: the active version's windows live under the usual namespace, named by
feature definition, so a new version keeps the windows of the features it did
not change (as in process) and the API shares windows with Redis-mode stream
workers. A shadow version writes under its own namespace: were it to share the
active version's windows, each event would be counted twice.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Sequence
from typing import Any

import orjson
import redis

from marketguard.errors import ConfigurationError
from marketguard.risk.engine import Clock, Decision, not_an_object, wall_clock
from marketguard.risk.model import RuleSet, TimeLimits
from marketguard.risk.service import decide_events, shadow_engine
from marketguard.risk.shared import SharedEngine

NAMESPACE = "mg:risk"
SCOPE = "api"
"""The lateness scope: every API process follows one watermark."""
MAX_ENGINES = 8
MARKER_TTL_S = 60.0
"""An API event's exactly-once marker is never needed again (no redelivery), so
it simply expires, which saves a round trip per batch to delete it."""


class ProcessDecider:
    """Decide API batches with this process's engines (the default).

    ``clock`` is the reference time "ahead" is judged by (the wall clock).
    """

    def __init__(self, clock: Clock = wall_clock, limits: TimeLimits | None = None) -> None:
        self.clock = clock
        self.limits = limits

    def decide(self, ruleset: RuleSet, events: Sequence[Any], *, shadow: bool) -> list[Decision]:
        """Decide ``events`` in order; a shadow version keeps its own feature state."""
        clock, limits = self.clock, self.limits
        engine = shadow_engine(ruleset, clock=clock, limits=limits) if shadow else None
        return decide_events(ruleset, events, engine=engine, clock=clock, limits=limits)


class RedisDecider:
    """Decide API batches for any rule-set version, state in Redis."""

    def __init__(
        self,
        url: str,
        namespace: str = NAMESPACE,
        *,
        clock: Clock = wall_clock,
        limits: TimeLimits | None = None,
    ) -> None:
        try:
            self.client = redis.Redis.from_url(url)
            self.client.ping()
        except (ValueError, redis.RedisError, OSError) as exc:
            raise ConfigurationError(f"cannot reach Redis at {url}: {exc}") from None
        self.namespace = namespace
        # markers only need to be unique per process: no round trip to number events
        self.tag = f"api:{secrets.token_hex(6)}"
        self.numbers = itertools.count(1)
        self.engines: dict[tuple[str, bool], SharedEngine] = {}
        self.clock = clock
        self.limits = limits

    def decide(self, ruleset: RuleSet, events: Sequence[Any], *, shadow: bool) -> list[Decision]:
        """Decide ``events`` in order; ``line`` in an error is the position in the batch."""
        engine = self._engine(ruleset, shadow)
        decisions: list[Decision | None] = [None] * len(events)
        items: list[tuple[bytes, int]] = []
        positions: dict[int, int] = {}
        for position, event in enumerate(events, start=1):
            if type(event) is not dict:
                decisions[position - 1] = not_an_object(event, position)
                continue
            number = next(self.numbers)
            positions[number] = position
            items.append((orjson.dumps(event), number))
        applied = engine.decide_batch(items)
        for outcome in applied:
            position = positions[outcome.seq]
            decision = outcome.decision
            assert decision is not None  # no blank lines are sent
            if "line" in decision:
                decision = {**decision, "line": position}
            decisions[position - 1] = decision
        return [decision for decision in decisions if decision is not None]

    def _engine(self, ruleset: RuleSet, shadow: bool) -> SharedEngine:
        found = self.engines.get((ruleset.version, shadow))
        if found is None:
            namespace = f"{self.namespace}:shadow:{ruleset.version}" if shadow else self.namespace
            found = SharedEngine(
                ruleset,
                self.client,
                namespace=namespace,
                scope=SCOPE,
                tag=self.tag,
                marker_ttl_s=MARKER_TTL_S,
                clock=self.clock,
                limits=self.limits,
            )
            self.engines[(ruleset.version, shadow)] = found
            while len(self.engines) > MAX_ENGINES:
                del self.engines[next(iter(self.engines))]
        return found
