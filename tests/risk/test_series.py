"""The window series against brute force, driven the way the engine drives them.

The engine adds an event at ``ts`` with horizon ``ts - late - window`` and reads
at the ``ts`` of events that are not late (``ts >= max_seen - late``); any
interleaving of such adds and reads must give the brute-force answer.
"""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from marketguard.risk.series import CountSeries, DistinctSeries, SumSeries, normalize

LATE, WINDOW = 20, 10
ops = st.lists(
    st.tuples(st.booleans(), st.integers(-25, 12), st.sampled_from([1, 2, 5, 0.5, "a", "b", 1.0,
                                                                  True, [1], 7])),
    max_size=120,
)


def brute(entries: list[tuple[int, Any]], kind: str, lo: int, hi: int) -> Any:
    inside = [v for t, v in entries if lo < t <= hi]
    if kind == "count":
        return len(inside)
    if kind == "distinct":
        return len({normalize(v) for v in inside})
    if any(type(v) is float for v in inside):
        return math.fsum(inside)
    return sum(inside)


def drive(kind: str, steps: list[tuple[bool, int, Any]]) -> None:
    series: Any = {"count": CountSeries, "sum": SumSeries, "distinct": DistinctSeries}[kind]()
    entries: list[tuple[int, Any]] = []
    latest = 0
    for is_add, delta, value in steps:
        ts = latest + delta
        if ts < latest - LATE:
            continue  # late: the engine would not touch state
        latest = max(latest, ts)
        if is_add:
            if kind == "sum" and type(value) not in (int, float):
                value = 3
            series.add(ts, value, ts - LATE - WINDOW)
            entries.append((ts, value))
        if entries:
            got = series.read(ts - WINDOW, ts)
            want = brute(entries, kind, ts - WINDOW, ts)
            assert got == want and type(got) is type(want), (kind, ts, got, want)


@settings(max_examples=400, deadline=None)
@given(ops)
def test_count_series_matches_brute_force(steps: list[tuple[bool, int, Any]]) -> None:
    drive("count", steps)


@settings(max_examples=400, deadline=None)
@given(ops)
def test_sum_series_matches_brute_force(steps: list[tuple[bool, int, Any]]) -> None:
    drive("sum", steps)


@settings(max_examples=400, deadline=None)
@given(ops)
def test_distinct_series_matches_brute_force(steps: list[tuple[bool, int, Any]]) -> None:
    drive("distinct", steps)


jumpy_ops = st.lists(
    st.tuples(st.booleans(), st.integers(-25, 40), st.sampled_from([1, 2, 5, 0.5, "a", "b", 1.0,
                                                                  True, [1], 7, "a", 2])),
    max_size=120,
)
"""Like ``ops``, with gaps longer than late + window (whole windows going dead at once)."""


def drive_fused(kind: str, steps: list[tuple[bool, int, Any]]) -> None:
    """Like :func:`drive`, adding through the fused ``add_read`` the engine calls."""
    series: Any = {"count": CountSeries, "sum": SumSeries, "distinct": DistinctSeries}[kind]()
    entries: list[tuple[int, Any]] = []
    latest = 0
    for is_add, delta, value in steps:
        ts = latest + delta
        if ts < latest - LATE:
            continue
        latest = max(latest, ts)
        if is_add:
            if kind == "sum" and type(value) not in (int, float):
                value = 3
            entries.append((ts, value))
            got = series.add_read(ts, value, ts - LATE - WINDOW, ts - WINDOW)
        elif entries:
            got = series.read(ts - WINDOW, ts)
        else:
            continue
        want = brute(entries, kind, ts - WINDOW, ts)
        assert got == want and type(got) is type(want), (kind, ts, got, want)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(["count", "sum", "distinct"]), st.one_of(ops, jumpy_ops))
def test_fused_add_read_matches_brute_force(
    kind: str, steps: list[tuple[bool, int, Any]]
) -> None:
    drive_fused(kind, steps)


def test_snapshot_round_trip_keeps_answers() -> None:
    for cls, values in ((CountSeries, [None] * 5), (SumSeries, [1, 2.5, 3, 4, 5]),
                        (DistinctSeries, ["a", 1, 1.0, True, [1]])):
        series: Any = cls()
        for ts, value in enumerate(values):
            series.add(ts, value, -100)
        copy = cls.load(series.dump())
        for lo in range(-1, 5):
            assert copy.read(lo, 4) == series.read(lo, 4)


def drive_store(kind: str, steps: list[tuple[bool, int, Any]], fused: bool) -> None:
    """Like :func:`drive`, through MemoryStore's adder/reader closures."""
    import marketguard.risk.features as features
    from marketguard.risk.model import FeatureDef

    saved = features.LATE_NS
    features.LATE_NS = LATE
    try:
        store = features.MemoryStore()
        store.bind([FeatureDef("f", kind, "e", None if kind == "count" else "v", "k", WINDOW,
                               "10s")])
        add, read, add_read = store.adder(0), store.reader(0), store.add_reader(0)
    finally:
        features.LATE_NS = saved
    entries: list[tuple[int, Any]] = []
    latest = 0
    for is_add, delta, value in steps:
        ts = latest + delta
        if ts < latest - LATE:
            continue
        latest = max(latest, ts)
        if is_add:
            if kind == "sum" and type(value) not in (int, float):
                value = 3
            entries.append((ts, value))
            if fused:
                got = add_read("key", ts, value)
                want = brute(entries, kind, ts - WINDOW, ts)
                assert got == want and type(got) is type(want), (kind, ts, got, want)
            else:
                add("key", ts, value)
        got = read("key", ts)
        want = brute(entries, kind, ts - WINDOW, ts)
        assert got == want and type(got) is type(want), (kind, ts, got, want)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["count", "sum", "distinct"]), ops, st.booleans())
def test_memory_store_matches_brute_force(
    kind: str, steps: list[tuple[bool, int, Any]], fused: bool
) -> None:
    drive_store(kind, steps, fused)
