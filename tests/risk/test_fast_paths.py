"""Fast paths give exactly what the general paths give.

A backtest without ``--out`` counts rule masks instead of building decisions,
and timestamps with at most millisecond precision are parsed by table lookup;
both must agree with the paths they shortcut.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketguard.risk import timestamps
from marketguard.risk.service import backtest
from tests.risk.test_parallel import BY_USER, LABELS, without_timing
from tests.risk.test_properties import RULESET, events_strategy, to_lines


def _write(tmp_path: Path, items: list[Any]) -> Path:
    for index, item in enumerate(items):
        if isinstance(item, dict):
            item["label"] = LABELS[index % len(LABELS)]
    path = tmp_path / f"{uuid.uuid4().hex}.jsonl"
    path.write_text("\n".join(to_lines(items)) + "\n")
    return path


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=events_strategy)
def test_summary_only_backtest_equals_deciding_every_event(
    tmp_path: Path, items: list[Any]
) -> None:
    path = _write(tmp_path, items)
    counted = backtest(RULESET, path)
    decided = backtest(RULESET, path, out=path.with_suffix(".out"))
    assert without_timing(counted) == without_timing(decided)


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=events_strategy, workers=st.integers(2, 3))
def test_split_summary_only_backtest_equals_one_process_deciding(
    tmp_path: Path, items: list[Any], workers: int
) -> None:
    path = _write(tmp_path, items)
    split = backtest(BY_USER, path, workers=workers)
    decided = backtest(BY_USER, path, out=path.with_suffix(".out"))
    assert split["workers"] == workers
    assert without_timing(split) == without_timing(decided)


stamps = st.tuples(
    st.integers(1969, 2100), st.integers(1, 12), st.integers(1, 31), st.integers(0, 23),
    st.integers(0, 59), st.integers(0, 59),
    st.one_of(st.just(""), st.text("0123456789", min_size=0, max_size=11).map(lambda d: "." + d)),
    st.sampled_from(["Z", "z", "", "Zx", "+00:00", " Z"]),
)


@settings(max_examples=400, deadline=None)
@given(stamps)
def test_cached_timestamp_parse_equals_the_full_parse(parts: tuple[Any, ...]) -> None:
    year, month, day, hour, minute, second, fraction, zone = parts
    text = f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}{fraction}{zone}"
    full = timestamps._parse_slow(text)
    timestamps.parse_ts(f"{text[:19]}Z")  # warm the cache of this second, if valid
    assert timestamps.parse_ts(text) == full
