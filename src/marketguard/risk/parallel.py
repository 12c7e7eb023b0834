"""Backtests on several processes, exactly equal to one process, when the rules allow it.

Why and when: a backtest is one engine deciding events in file order, which
keeps one CPU busy. When every feature of the rule set (and of the candidate)
is keyed by the same field — and enrichment, whose state is per user, only
with ``user_id`` — an event's decision depends on the events with the same key
value and on the latest ``ts`` before it, nothing else. So each process decodes
the whole file, tracks the watermark over every event (the only global
state: it decides lateness), and decides only the events whose key hashes to
it. Every process judges "ahead" by the one clock reading the parent took.
Events without a key value and lines that are not events are stateless and go
by line number. The parent merges the tallies and, for ``--out``, the
decisions in line order. With any other rule set the backtest runs in one
process (the summary's ``workers`` says how many ran).
"""

from __future__ import annotations

import heapq
import multiprocessing
import os
import tempfile
import time
import zlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from marketguard.errors import InvalidInput
from marketguard.risk.backtest import (
    Tally,
    count_events,
    decide_item,
    label_positive,
    ordered,
    read_events,
    run_backtest,
)
from marketguard.risk.engine import Engine, fixed_clock, wall_clock
from marketguard.risk.model import RuleSet, TimeLimits
from marketguard.risk.series import encode_key, normalize

ANY_KEY = ""
"""Partition field of rule sets without features: any split is exact."""
_JOB: dict[str, Any] = {}
"""The job a forked child runs (inherited through fork, never pickled)."""


def partition_field(ruleset: RuleSet, candidate: RuleSet | None = None) -> str | None:
    """Return the field every feature is keyed by (``ANY_KEY`` if none), else None."""
    sets = [ruleset] if candidate is None else [ruleset, candidate]
    fields = {feat.by for rules in sets for feat in rules.features}
    enriched = any(rules.enrich for rules in sets)
    if enriched:
        fields.add("user_id")
    if len(fields) > 1:
        return None
    return fields.pop() if fields else ANY_KEY


def owner(event: Any, number: int, field: str, workers: int) -> int:
    """Return which process decides the event on line ``number``."""
    if field and type(event) is dict:
        key = event.get(field)
        if key is not None:
            text = encode_key(key if type(key) is str else normalize(key))
            return zlib.crc32(text.encode("utf-8", "surrogatepass")) % workers
    return number % workers


def run_parallel(
    ruleset: RuleSet,
    path: Path,
    *,
    out: Path | None,
    candidate: RuleSet | None,
    workers: int,
    now: int | None = None,
    limits: TimeLimits | None = None,
) -> dict[str, Any]:
    """Run the backtest on ``workers`` processes when exact, else on one.

    ``now`` (ns, default the wall clock read once) is the time "ahead" is judged by.
    """
    now = wall_clock() if now is None else now
    field = partition_field(ruleset, candidate)
    usable = "fork" in multiprocessing.get_all_start_methods()
    if workers <= 1 or field is None or not usable or not path.exists():
        summary = run_backtest(ruleset, path, out=out, candidate=candidate, now=now,
                               limits=limits)
        summary["workers"] = 1
        return summary
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mg-backtest-") as folder:
        _JOB.update(ruleset=ruleset, candidate=candidate, path=path, field=field,
                    workers=workers, folder=folder if out is not None else None,
                    clock=fixed_clock(now), limits=limits)
        try:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                parts = pool.map(_slice, range(workers))
        finally:
            _JOB.clear()
        for part in parts:
            if "invalid" in part:  # a bad file, reported as one process reports it
                raise InvalidInput(part["invalid"])
        if out is not None:
            _merge_out(out, [Path(folder) / f"{index}.jsonl" for index in range(workers)])
    elapsed = time.perf_counter() - started
    return _summary(ruleset, candidate, parts, elapsed, workers)


def _slice(index: int) -> dict[str, Any]:
    """Decide this process's share of the events; a bad file comes back as ``invalid``."""
    try:
        return _decide_share(index)
    except InvalidInput as exc:
        return {"invalid": exc.detail}


def _decide_share(index: int) -> dict[str, Any]:
    """Decide this process's share of the events; track the watermark over all of them."""
    import gc

    gc.disable()  # as batch_mode: the engine makes no cycles
    ruleset, candidate = _JOB["ruleset"], _JOB["candidate"]
    folder = _JOB["folder"]
    clock, limits = _JOB["clock"], _JOB["limits"]
    engine = Engine(ruleset, clock=clock, limits=limits)
    other = Engine(candidate, clock=clock, limits=limits) if candidate is not None else None
    tally = Tally(ruleset)
    other_tally = Tally(candidate) if candidate is not None else None
    transitions: Counter[str] = Counter()
    share = _share(index, [engine] if other is None else [engine, other])
    if folder is None and other is None:
        total, labeled, positives = count_events(engine, tally, share)
        tally.settle()
        return {
            "outcomes": tally.outcomes, "errors": tally.errors, "other": None,
            "transitions": transitions, "labeled": labeled, "positives": positives,
            "total": total,
        }
    labeled = positives = total = 0
    sink = open(Path(folder) / f"{index}.jsonl", "wb") if folder else None
    buffer: list[bytes] = []
    dumps = orjson.dumps
    try:
        for number, event in share:
            total += 1
            label = label_positive(event.get("label")) if type(event) is dict else None
            decision = decide_item(engine, number, event)
            if label is not None:
                labeled += 1
                positives += label
            tally.add(decision, label)
            if sink is not None:
                buffer.append(b"%d " % number + dumps(decision))
                if len(buffer) >= 4096:
                    sink.write(b"\n".join(buffer) + b"\n")
                    buffer.clear()
            if other is not None and other_tally is not None:
                theirs = decide_item(other, number, event)
                other_tally.add(theirs, label)
                mine, new = decision.get("action", "error"), theirs.get("action", "error")
                if mine != new:
                    transitions[f"{mine}->{new}"] += 1
        if sink is not None and buffer:
            sink.write(b"\n".join(buffer) + b"\n")
    finally:
        if sink is not None:
            sink.close()
    return {
        "outcomes": tally.outcomes, "errors": tally.errors,
        "other": (other_tally.outcomes, other_tally.errors) if other_tally else None,
        "transitions": transitions, "labeled": labeled, "positives": positives, "total": total,
    }


def _share(index: int, engines: list[Engine]) -> Iterator[tuple[int, Any]]:
    """Yield the items of :func:`read_events` process ``index`` decides.

    The other events only move the engines' watermark (their lateness clock),
    so every process sees the same watermark one process would.
    """
    field, workers = _JOB["field"], _JOB["workers"]
    ours: dict[str, bool] = {}  # string key -> decided here (keys repeat a lot)
    for number, event in read_events(_JOB["path"]):
        key = event.get(field) if field and type(event) is dict else None
        if type(key) is str:
            here = ours.get(key)
            if here is None:
                here = ours[key] = owner(event, number, field, workers) == index
        else:
            here = owner(event, number, field, workers) == index
        if here:
            yield number, event
        else:
            for engine in engines:
                engine.advance(event)


def _merge_out(out: Path, parts: list[Path]) -> None:
    """Write the processes' decisions to ``out`` in line order (each part is in order)."""
    handles = [part.open("rb") for part in parts]
    try:
        keyed = [((int(raw[: raw.index(b" ")]), raw) for raw in handle) for handle in handles]
        with out.open("wb") as sink:
            buffer: list[bytes] = []
            for _, raw in heapq.merge(*keyed):
                buffer.append(raw[raw.index(b" ") + 1 :])
                if len(buffer) >= 4096:
                    sink.write(b"".join(buffer))
                    buffer.clear()
            sink.write(b"".join(buffer))
    finally:
        for handle in handles:
            handle.close()


def _summary(
    ruleset: RuleSet,
    candidate: RuleSet | None,
    parts: list[dict[str, Any]],
    elapsed: float,
    workers: int,
) -> dict[str, Any]:
    """Merge the processes' tallies into the summary one process would have printed."""
    tally = Tally(ruleset)
    other = Tally(candidate) if candidate is not None else None
    transitions: Counter[str] = Counter()
    for part in parts:
        tally.outcomes.update(part["outcomes"])
        tally.errors += part["errors"]
        if other is not None:
            other.outcomes.update(part["other"][0])
            other.errors += part["other"][1]
        transitions.update(part["transitions"])
    positives = sum(part["positives"] for part in parts)
    total = sum(part["total"] for part in parts)
    summary = tally.summary(positives)
    summary.update({
        "events": total,
        "elapsed_s": round(elapsed, 3),
        "events_per_s": round(total / elapsed) if elapsed > 0 else None,
        "labels": {"labeled": sum(part["labeled"] for part in parts), "positives": positives},
        "candidate": None,
        "workers": workers,
    })
    if other is not None:
        theirs = other.summary(positives)
        theirs["disagreements"] = sum(transitions.values())
        theirs["transitions"] = ordered(transitions)
        summary["candidate"] = theirs
    return summary


def cpu_count() -> int:
    """The CPUs this process may use (for ``--workers 0``: one process per CPU)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
