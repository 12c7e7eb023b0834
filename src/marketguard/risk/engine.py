"""The decision engine: one event at a time, in input order, exactly per FORMATS §5.

Why one class holding all state: a stream, an API batch and a backtest must
agree event for event, so all three feed the same ``Engine`` the same way; its
state is the feature store plus the watermark, the latest processed time (for
lateness). Invalid, late and ahead events get an error decision and change no
state.

Time (FORMATS §5, docs/risk.md "Time"): an event more than ``max_lead_ns`` ahead
of the reference clock is refused as *ahead*; an accepted event moves the
watermark to ``max(watermark, min(ts, watermark + max_step_ns))``; an event more
than 10 minutes behind the watermark is *late*. The clock is read lazily: the
engine keeps the latest ``ts`` it may accept and reads the clock again only
when an event is beyond it, so normal traffic costs no clock read at all.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import orjson

from marketguard.risk.compiler import Program, TypePlan, compile_program
from marketguard.risk.features import FeatureStore, MemoryStore
from marketguard.risk.model import ACTIONS, LATE_NS, RuleSet, TimeLimits, format_duration
from marketguard.risk.runtime import HELPERS
from marketguard.risk.timestamps import format_ns, parse_ts, ts_problem

Decision = dict[str, Any]
Clock = Callable[[], int]
"""Returns the reference time in nanoseconds since the epoch."""
Outcome = tuple[str, int, tuple[str, ...], tuple[str, ...]]
_PROGRAMS: dict[str, Program] = {}
_NO_LIMIT = 1 << 126
"""The cached limit of an engine told the time by :meth:`Engine.at` before its first call."""


def program_for(ruleset: RuleSet) -> Program:
    """Return the compiled program of ``ruleset`` (compiled once per version)."""
    program = _PROGRAMS.get(ruleset.version)
    if program is None or program.ruleset is not ruleset:
        program = compile_program(ruleset)
        if len(_PROGRAMS) > 64:
            _PROGRAMS.clear()
        _PROGRAMS[ruleset.version] = program
    return program


def add_then_read(store: FeatureStore, index: int, *, prune: bool = True) -> Any:
    """Return ``f(key, ts, value)`` that records an event then reads the feature.

    Stores may offer a fused ``add_reader`` (one key lookup instead of two).
    ``prune=False``: drop no old entries while adding (see :meth:`Engine._jump`).
    """
    fused = getattr(store, "add_reader", None)
    if fused is not None:
        return fused(index, prune=prune)
    add, read = store.adder(index, prune=prune), store.reader(index)

    def add_read(key: Any, ts: int, value: Any) -> int | float:
        add(key, ts, value)
        return read(key, ts)

    return add_read


def error_decision(event_id: Any, line: int, why: str) -> Decision:
    """Return the decision of an invalid or late line."""
    return {"event_id": event_id, "line": line, "error": why}


def not_an_object(value: Any, line: int) -> Decision:
    """The error decision of a decoded value that is not an event object (every path)."""
    kinds: dict[type, str] = {list: "an array", str: "a string"}
    return error_decision(
        None, line, f"not a JSON object (got {kinds.get(type(value), 'a JSON value')})"
    )


def wall_clock() -> int:
    """The wall clock in nanoseconds since the epoch (the default reference time)."""
    return time.time_ns()


def fixed_clock(now_ns: int) -> Clock:
    """Return a clock stopped at ``now_ns`` (backtests read the clock once; tests)."""

    def clock() -> int:
        return now_ns

    return clock


def ahead_decision(event_id: Any, line: int, ts: int, lead_ns: int) -> Decision:
    """Return the error decision of an event more than ``lead_ns`` ahead of the clock.

    The text names the limit but not the clock's reading, so every path (and a
    replay of the same events later) gives the same bytes.
    """
    return error_decision(
        event_id,
        line,
        f"ahead: ts {format_ns(ts)} is more than {format_duration(lead_ns)} ahead of the "
        "clock (MARKETGUARD_RISK_MAX_CLOCK_LEAD)",
    )


def late_decision(event_id: Any, line: int, ts: int, max_ts: int) -> Decision:
    """Return the error decision of an event more than 10 minutes behind ``max_ts``.

    Shared by every engine so the message is the same whichever path decided.
    """
    return error_decision(
        event_id,
        line,
        f"late: ts {format_ns(ts)} is more than 10 minutes behind the latest "
        f"processed ts {format_ns(max_ts)}",
    )


class _TypeRunner:
    """A compiled handler plus the outcomes of its rule masks, built lazily."""

    __slots__ = ("handler", "jump", "plan", "outcomes")

    def __init__(self, handler: Any, plan: TypePlan) -> None:
        self.handler = handler
        self.jump: Any = None
        """The same handler over stores that prune nothing (for events past the watermark)."""
        self.plan = plan
        self.outcomes: dict[int, Outcome] = {}

    def outcome(self, mask: int) -> Outcome:
        found = self.outcomes.get(mask)
        if found is None:
            strength, score = 0, 0
            active: list[str] = []
            shadow: list[str] = []
            for bit, rule in enumerate(self.plan.rules):
                if not mask >> bit & 1:
                    continue
                if rule.mode == "shadow":
                    shadow.append(rule.name)
                    continue
                active.append(rule.name)
                strength = max(strength, ACTIONS.index(rule.action))
                score += rule.score
            found = (ACTIONS[strength], min(score, 100), tuple(active), tuple(shadow))
            self.outcomes[mask] = found
        return found


Verdict = tuple[_TypeRunner | None, int, dict[str, Any] | None] | Decision
"""What :meth:`Engine.judge` returns: the matched-rule mask, or an error decision."""


class Engine:
    """Decide events against one rule set, keeping feature state in ``store``."""

    def __init__(
        self,
        ruleset: RuleSet,
        store: FeatureStore | None = None,
        *,
        with_version: bool = False,
        clock: Clock | None = wall_clock,
        limits: TimeLimits | None = None,
    ) -> None:
        self.ruleset = ruleset
        self.program = program_for(ruleset)
        self.store: FeatureStore = store if store is not None else MemoryStore()
        self.store.bind(ruleset.features)
        self.with_version = with_version
        handlers = self._handlers(prune=True)
        self.runners = {
            event_type: _TypeRunner(handlers[plan.handler], plan)
            for event_type, plan in self.program.plans.items()
        }
        self._flush = not isinstance(self.store, MemoryStore)
        stored = self.store.get_meta("max_ts")
        self.max_ts: int | None = int(stored) if stored is not None else None
        """The watermark: the latest processed time (stored as ``max_ts`` for old snapshots)."""
        self.limits = limits or TimeLimits()
        self.lead = self.limits.max_lead_ns
        self.step = self.limits.max_step_ns
        self.clock = clock
        """The reference clock; None when the caller sets the time with :meth:`at`."""
        self.limit = clock() + self.lead if clock is not None else _NO_LIMIT
        """The latest ``ts`` accepted without reading the clock again."""
        self.enricher: Any = None
        if ruleset.enrich:
            from marketguard.risk.enrich import Enricher

            self.enricher = Enricher(ruleset, self.store)

    def _handlers(self, *, prune: bool) -> dict[str, Any]:
        """Bind the generated handlers to this engine's store; return them by name."""
        namespace: dict[str, Any] = {"__builtins__": {"type": type, "str": str}}
        namespace.update(HELPERS)
        namespace.update(self.program.constants)
        store = self.store
        for fid in range(len(self.ruleset.features)):
            namespace[f"_A{fid}"] = store.adder(fid, prune=prune)
            namespace[f"_R{fid}"] = store.reader(fid)
            namespace[f"_X{fid}"] = add_then_read(store, fid, prune=prune)
        exec(self.program.code, namespace)  # generated from our templates only
        # a handler in its own globals is a reference cycle; without it the
        # engine and all its feature state go as soon as the last reference does
        return {plan.handler: namespace.pop(plan.handler) for plan in self.program.plans.values()}

    def _jump(self, runner: _TypeRunner) -> Any:
        """Return the handler for an event past the watermark's step (built on first use).

        Why: stores drop window entries relative to the event being added, which
        is safe while the watermark is the newest ``ts``. An event beyond
        ``watermark + step`` is added while the watermark stays behind it, and
        later events (not late against the watermark) may still need what it
        would drop; so such an event is added by stores that prune nothing.
        """
        if runner.jump is None:
            handlers = self._handlers(prune=False)
            for each in self.runners.values():
                each.jump = handlers[each.plan.handler]
        return runner.jump

    def at(self, now_ns: int) -> None:
        """Judge the following events against ``now_ns`` (the stream's clock), not a clock."""
        self.clock = None
        self.limit = now_ns + self.lead

    def _ahead(self, ts: int) -> bool:
        """True when ``ts`` is ahead of the clock, read again (``ts`` passed the cached limit)."""
        if self.clock is None:
            return True
        self.limit = self.clock() + self.lead
        return ts > self.limit

    @property
    def version(self) -> str:
        """The rule-set version (content hash of the rules file)."""
        return self.ruleset.version

    def judge(self, event: Any, line: int) -> Verdict:
        """Run the rules on one decoded event found on input line ``line`` (1-based).

        Returns ``(runner, mask, features)`` — which rules matched, as a bit mask
        over ``runner.plan.rules`` (``runner`` is None for a type no rule or
        feature mentions) — or the error decision of an invalid or late event.
        Why apart from :meth:`decide`: a backtest that only counts outcomes
        needs the mask, not a decision dictionary per event.
        """
        if type(event) is not dict:
            return not_an_object(event, line)
        get = event.get
        event_id = get("event_id")
        if type(event_id) is not str or not event_id:
            return error_decision(None, line, "event_id must be a non-empty string")
        event_type = get("type")
        if event_type is None:
            return error_decision(event_id, line, "missing type")
        ts = parse_ts(get("ts"))
        if ts is None:
            return error_decision(event_id, line, ts_problem(get("ts")))
        if ts > self.limit and self._ahead(ts):
            return ahead_decision(event_id, line, ts, self.lead)
        max_ts = self.max_ts
        jump = False
        if max_ts is None:
            self.max_ts = ts
        elif ts > max_ts:
            if ts - max_ts > self.step:
                self.max_ts = max_ts + self.step
                jump = True
            else:
                self.max_ts = ts
        elif max_ts - ts > LATE_NS:
            return late_decision(event_id, line, ts, max_ts)
        if self.enricher is not None:
            event = self.enricher.apply(event, ts)
        runner = self.runners.get(event_type) if type(event_type) is str else None
        mask = 0
        features = None
        if runner is not None:
            if jump:
                mask, features = self._jump(runner)(event, ts)
            else:
                mask, features = runner.handler(event, ts)
        if self._flush:
            self.store.set_meta("max_ts", self.max_ts)
            self.store.end_event()
        return runner, mask, features

    def decide(self, event: Any, line: int) -> Decision:
        """Decide one decoded event found on input line ``line`` (1-based)."""
        verdict = self.judge(event, line)
        if isinstance(verdict, dict):
            return verdict
        runner, mask, features = verdict
        if not mask:
            decision: Decision = {
                "event_id": event["event_id"],
                "action": "allow",
                "score": 0,
                "rules": [],
                "shadow_rules": [],
                "features": {},
            }
        else:
            assert runner is not None  # a mask is only ever set by a runner
            outcome = runner.outcomes.get(mask) or runner.outcome(mask)
            decision = {
                "event_id": event["event_id"],
                "action": outcome[0],
                "score": outcome[1],
                "rules": list(outcome[2]),
                "shadow_rules": list(outcome[3]),
                "features": features,
            }
        if self.with_version:
            decision["rules_version"] = self.ruleset.version
        return decision

    def advance(self, event: Any) -> None:
        """Account for an event decided by another engine: only its effect on the watermark.

        Used by parallel backtests, where the watermark (lateness) is the one
        state every share of the events depends on. Mirrors :meth:`judge`'s checks:
        an invalid, ahead or late event moves nothing; a jump moves it one step.
        """
        if type(event) is not dict:
            return
        event_id = event.get("event_id")
        if type(event_id) is not str or not event_id or event.get("type") is None:
            return
        ts = parse_ts(event.get("ts"))
        if ts is None or (ts > self.limit and self._ahead(ts)):
            return
        max_ts = self.max_ts
        if max_ts is None:
            self.max_ts = ts
        elif ts > max_ts:
            self.max_ts = min(ts, max_ts + self.step)

    def sync_state(self) -> None:
        """Write engine bookkeeping (the watermark) into the store, e.g. before a snapshot."""
        self.store.set_meta("max_ts", self.max_ts)

    def decide_line(self, raw: bytes | str, line: int) -> Decision | None:
        """Decide one raw JSONL line; None for a blank line (which gets no decision)."""
        try:
            event = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            if not raw.strip():
                return None
            return error_decision(None, line, f"not valid JSON: {exc}")
        if type(event) is not dict:
            return not_an_object(event, line)
        return self.decide(event, line)

    def decide_lines(self, lines: Iterable[bytes | str], start: int = 1) -> Iterator[Decision]:
        """Decide raw lines in order; line numbers count blank lines too."""
        decide = self.decide
        loads = orjson.loads
        for number, raw in enumerate(lines, start):
            try:
                event = loads(raw)
            except orjson.JSONDecodeError:
                found = self.decide_line(raw, number)
                if found is not None:
                    yield found
                continue
            if type(event) is dict:
                yield decide(event, number)
            else:
                found = self.decide_line(raw, number)
                if found is not None:
                    yield found
