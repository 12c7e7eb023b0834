"""Service functions of the risk engine: stream, API batches and backtests.

Why here and not in the CLI or the API: every path (``risk decide``, the HTTP
route, the stream worker, ``risk backtest``) calls these functions, so they all
feed the same :class:`Engine` the same way and therefore agree event for event.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from marketguard.errors import InvalidInput
from marketguard.risk.engine import Clock, Decision, Engine, error_decision, wall_clock
from marketguard.risk.features import FeatureStore
from marketguard.risk.model import RuleSet, TimeLimits
from marketguard.risk.validator import load_rules

RulesArg = RuleSet | str | Path
_ENGINES: dict[str, Engine] = {}
_SHADOWS: dict[str, Engine] = {}
MAX_ENGINES = 4
"""Rule-set versions kept alive at once in a process (oldest dropped first)."""
_LOCK = threading.Lock()


def get_rules(rules: RulesArg) -> RuleSet:
    """Return ``rules`` as a RuleSet, loading and validating a path if needed."""
    if isinstance(rules, RuleSet):
        return rules
    return load_rules(str(rules))


@contextmanager
def batch_mode() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a batch job.

    Why: the engine creates no reference cycles (decisions and window series are
    freed by reference counting), but the collector would rescan the millions of
    live series objects over and over; pausing it makes backtests ~40% faster.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def decide_stream(
    rules: RulesArg,
    lines: Iterable[bytes | str],
    *,
    store: FeatureStore | None = None,
    with_version: bool = False,
    clock: Clock = wall_clock,
    limits: TimeLimits | None = None,
) -> Iterator[Decision]:
    """Decide JSONL lines in order; one decision per non-blank line.

    State lives only as long as the iterator (a fresh engine per call), so the
    same input always gives the same output (for events not near the clock's
    lead). ``clock`` is read only when an event is past the lead of its last
    reading, so a pipe that waits for hours still judges by the current time.
    """
    engine = Engine(get_rules(rules), store, with_version=with_version, clock=clock,
                    limits=limits)
    return engine.decide_lines(lines)


def process_engine(
    rules: RulesArg,
    *,
    store: FeatureStore | None = None,
    clock: Clock = wall_clock,
    limits: TimeLimits | None = None,
) -> Engine:
    """Return the process-wide engine of a rule set (created on first use).

    ``clock`` and ``limits`` apply when the engine is created.
    """
    ruleset = get_rules(rules)
    with _LOCK:
        engine = _ENGINES.get(ruleset.version)
        if engine is None:
            engine = Engine(ruleset, store, clock=clock, limits=limits)
            previous = next(reversed(_ENGINES.values()), None)
            if previous is not None and store is None:
                _carry_over(previous, engine)
                # the state moved: one live engine per lineage, never two writers
                del _ENGINES[previous.version]
            _ENGINES[ruleset.version] = engine
            while len(_ENGINES) > MAX_ENGINES:
                del _ENGINES[next(iter(_ENGINES))]
        return engine


def shadow_engine(
    rules: RulesArg, *, clock: Clock = wall_clock, limits: TimeLimits | None = None
) -> Engine:
    """Return the process-wide engine of a rule set running in shadow.

    Why apart from :func:`process_engine`: a shadow version must keep its own
    feature state. Were it to take over the active lineage's windows (as a newly
    activated version does), both would add every event to the same windows and
    the active version would count each event twice. A shadow version therefore
    starts with empty windows: for one window length its features warm up.
    """
    ruleset = get_rules(rules)
    with _LOCK:
        engine = _SHADOWS.get(ruleset.version)
        if engine is None:
            engine = _SHADOWS[ruleset.version] = Engine(ruleset, clock=clock, limits=limits)
            while len(_SHADOWS) > MAX_ENGINES:
                del _SHADOWS[next(iter(_SHADOWS))]
        return engine


def _carry_over(previous: Engine, engine: Engine) -> None:
    """Give a new rule-set version the state of unchanged features and the watermark."""
    from marketguard.risk.features import MemoryStore

    if isinstance(previous.store, MemoryStore) and isinstance(engine.store, MemoryStore):
        previous.sync_state()
        engine.store.adopt(previous.store)
        engine.max_ts = previous.max_ts


def reset_engines() -> None:
    """Forget every process-wide engine and its state (tests, rule reloads)."""
    with _LOCK:
        _ENGINES.clear()
        _SHADOWS.clear()


def decide_events(
    rules: RulesArg,
    events: Mapping[str, Any] | Sequence[Any],
    *,
    with_version: bool = False,
    engine: Engine | None = None,
    clock: Clock = wall_clock,
    limits: TimeLimits | None = None,
) -> list[Decision]:
    """Decide one event or a batch for the API, keeping state across calls.

    Events are decided in the given order by the process-wide engine of the rule
    set (or ``engine``), one at a time under a lock, so batches of any size give
    the same decisions as one stream. ``line`` in an error counts from 1 within
    the batch. With ``with_version`` every decision names the rule-set version.
    ``clock`` and ``limits`` shape the process-wide engine when it is created.
    """
    batch: Sequence[Any] = [events] if isinstance(events, Mapping) else events
    if isinstance(batch, str | bytes):
        raise InvalidInput("events must be a JSON object or a list of JSON objects")
    target = engine or process_engine(rules, clock=clock, limits=limits)
    out: list[Decision] = []
    with _LOCK:
        for number, event in enumerate(batch, start=1):
            decision = target.decide(dict(event) if isinstance(event, Mapping) else event, number)
            if with_version and "error" not in decision:
                decision["rules_version"] = target.version
            out.append(decision)
    return out


def backtest(
    rules: RulesArg,
    events_path: str | Path,
    out: str | Path | None = None,
    shadow_rules: RulesArg | None = None,
    *,
    candidate: RulesArg | None = None,
    workers: int = 1,
    clock: Clock = wall_clock,
    limits: TimeLimits | None = None,
) -> dict[str, Any]:
    """Replay a JSONL or Parquet file of events and summarise what the rules did.

    ``candidate`` (alias ``shadow_rules``) is a second rule set run beside the
    active one over the same events with its own state; their disagreements are
    counted. Decisions of the active rules go to ``out`` as JSONL when given.
    ``workers`` > 1 splits the work over processes when that is exact (every
    feature keyed by one field, see :mod:`marketguard.risk.parallel`); 0 means
    one per CPU. The result is the same either way: ``clock`` is read once, and
    every process judges "ahead" (FORMATS §5) by that one reading.
    """
    from marketguard.risk.parallel import cpu_count, run_parallel

    other = candidate if candidate is not None else shadow_rules
    with batch_mode():
        return run_parallel(
            get_rules(rules),
            Path(events_path),
            out=Path(out) if out is not None else None,
            candidate=get_rules(other) if other is not None else None,
            workers=workers if workers > 0 else cpu_count(),
            now=clock(),
            limits=limits,
        )


__all__ = [
    "backtest",
    "batch_mode",
    "decide_events",
    "decide_stream",
    "error_decision",
    "get_rules",
    "process_engine",
    "reset_engines",
    "shadow_engine",
]
