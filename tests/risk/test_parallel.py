"""A backtest split over processes gives exactly the one-process output, or runs on one."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketguard.risk.parallel import partition_field
from marketguard.risk.service import backtest
from tests.risk.helpers import make_rules
from tests.risk.test_properties import RULESET, events_strategy, to_lines

BY_USER = make_rules("""
    version: 1
    lists:
      bad: [x, 1]
    features:
      n: {count: login, by: user, window: 30s}
      fails: {count: login, by: user, window: 1m, where: "outcome == 'fail' or tag in bad"}
      spend: {sum: amount, of: pay, by: user, window: 45s}
      cards: {distinct: card, of: pay, by: user, window: 2m}
    rules:
      - {name: show, events: [login, pay, other], action: allow, score: 0, mode: shadow,
         when: "True or n or fails or spend or cards"}
      - {name: many, events: [login], when: "n >= 2", action: challenge, score: 30}
      - {name: failing, events: [login, pay], when: "fails > 1", action: review, score: 40}
      - {name: big, events: [pay], when: "spend > 10 or amount >= 7", action: block, score: 80}
      - {name: cards, events: [pay], when: "cards >= 2", action: block, score: 50, mode: shadow}
""")
CANDIDATE = make_rules("""
    version: 1
    features:
      n: {count: login, by: user, window: 1m}
      cards: {distinct: card, of: pay, by: user, window: 30s}
    rules:
      - {name: many, events: [login], when: "n >= 3", action: review, score: 30}
      - {name: cards, events: [pay], when: "cards >= 2", action: block, score: 50}
""")
LABELS = [None, "fraud", "legit", 1, 0, True]


def without_timing(summary: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in summary.items() if k not in ("elapsed_s", "events_per_s", "workers")}


def test_partition_field_needs_one_key_for_every_feature() -> None:
    assert partition_field(BY_USER) == "user"
    assert partition_field(BY_USER, CANDIDATE) == "user"
    assert partition_field(RULESET) is None
    enriched = make_rules("""
        version: 1
        enrich: [first_seen]
        features:
          n: {count: e, by: device_id, window: 1h}
        rules:
          - {name: r, events: [e], when: "n > 1", action: review, score: 1}
    """)
    assert partition_field(enriched) is None  # enrichment state is per user


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=events_strategy, workers=st.integers(2, 4))
def test_split_backtest_equals_one_process(
    tmp_path: Path, items: list[Any], workers: int
) -> None:
    for index, item in enumerate(items):
        if isinstance(item, dict):
            item["label"] = LABELS[index % len(LABELS)]
            if item["user"] == 1 and index % 2:
                item["user"] = 1.0  # the same key as 1: must land in the same process
    path = tmp_path / f"{uuid.uuid4().hex}.jsonl"
    path.write_text("\n".join(to_lines(items)) + "\n")
    one, many = path.with_suffix(".one"), path.with_suffix(".many")
    alone = backtest(BY_USER, path, out=one, candidate=CANDIDATE)
    split = backtest(BY_USER, path, out=many, candidate=CANDIDATE, workers=workers)
    assert (alone["workers"], split["workers"]) == (1, workers)
    assert without_timing(split) == without_timing(alone)
    assert many.read_bytes() == one.read_bytes()


def test_when_features_use_several_keys_then_one_process_runs(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text('{"event_id": "e", "type": "login", "ts": "2026-11-11T00:00:00Z"}\n')
    summary = backtest(RULESET, path, workers=4)
    assert summary["workers"] == 1 and summary["events"] == 1


def test_a_missing_file_is_reported_as_with_one_process(tmp_path: Path) -> None:
    from marketguard.errors import InvalidInput

    with pytest.raises(InvalidInput, match="no such events file"):
        backtest(BY_USER, tmp_path / "missing.jsonl", workers=2)


def test_a_bad_parquet_file_is_reported_as_with_one_process(tmp_path: Path) -> None:
    from marketguard.errors import InvalidInput

    bad = tmp_path / "events.parquet"
    bad.write_bytes(b"not parquet")
    with pytest.raises(InvalidInput, match="cannot read Parquet file"):
        backtest(BY_USER, bad, workers=2)
