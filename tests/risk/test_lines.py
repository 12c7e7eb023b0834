"""Input lines: validity, error decisions, line numbers, lateness, timestamps."""

from __future__ import annotations

import pytest

from marketguard.risk.timestamps import format_ns, parse_ts
from tests.risk.helpers import event, make_rules, run

RULES = make_rules("""
    version: 1
    features:
      n: {count: e, by: k, window: 1h}
    rules:
      - {name: r, events: [e], when: "n >= 1", action: block, score: 1}
""")


def shape(decision: dict) -> tuple:
    if "error" in decision:
        return ("error", decision["event_id"], decision["line"])
    return ("ok", decision["event_id"], decision["features"].get("n"))


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("[1, 2]", ("error", None, 1)),
        ("\"text\"", ("error", None, 1)),
        ("{not json", ("error", None, 1)),
        ('{"type": "e", "ts": "2026-11-11T00:00:00Z"}', ("error", None, 1)),
        ('{"event_id": "", "type": "e", "ts": "2026-11-11T00:00:00Z"}', ("error", None, 1)),
        ('{"event_id": 7, "type": "e", "ts": "2026-11-11T00:00:00Z"}', ("error", None, 1)),
        ('{"event_id": "a", "ts": "2026-11-11T00:00:00Z"}', ("error", "a", 1)),
        ('{"event_id": "a", "type": null, "ts": "2026-11-11T00:00:00Z"}', ("error", "a", 1)),
        ('{"event_id": "a", "type": "e"}', ("error", "a", 1)),
        ('{"event_id": "a", "type": "e", "ts": 1794355200}', ("error", "a", 1)),
        ('{"event_id": "a", "type": "e", "ts": "2026-11-11T00:00:00"}', ("error", "a", 1)),
        ('{"event_id": "a", "type": "e", "ts": "2026-11-11"}', ("error", "a", 1)),
        ('{"event_id": "a", "type": "e", "ts": "2026-11-11 00:00:00Z"}', ("error", "a", 1)),
        ('{"event_id": "a", "type": "e", "ts": "2026-02-30T00:00:00Z"}', ("error", "a", 1)),
        ('{"event_id": "a", "type": "e", "ts": "2026-11-11T24:00:00Z"}', ("error", "a", 1)),
        ('{"event_id": "a", "type": "e", "ts": "2026-11-11T00:00:00.Z"}', ("error", "a", 1)),
        ('{"event_id": "a", "type": "e", "ts": "2026-11-11T00:00:00.1234567891Z"}',
         ("error", "a", 1)),
        ('{"event_id": "a", "type": "e", "ts": "2026-11-11T00:00:00.123456789Z", "k": 1}',
         ("ok", "a", 1)),
        ('{"event_id": "a", "type": "e", "ts": "2026-11-11t00:00:00z", "k": 1}', ("ok", "a", 1)),
        ('{"event_id": "a", "type": "e", "ts": "2026-11-11T00:00:00-05:30", "k": 1}',
         ("ok", "a", 1)),
        ('{"event_id": "a", "type": 5, "ts": "2026-11-11T00:00:00Z"}', ("ok", "a", None)),
    ],
)
def test_line_validity(line: str, expected: tuple) -> None:
    assert shape(run(RULES, [line])[0]) == expected


def test_line_numbers_count_blank_lines_and_blank_lines_get_no_decision() -> None:
    lines = ["", '{"event_id": "a", "type": "e", "ts": "2026-11-11T00:00:00Z"}', "   ",
             "\t", "oops", "", '{"event_id": "b", "type": "e", "ts": "bad"}']
    out = run(RULES, lines)
    assert [d.get("line") for d in out] == [None, 5, 7]
    assert out[1] == {"event_id": None, "line": 5, "error": out[1]["error"]}


def test_late_event_gets_error_and_changes_no_state() -> None:
    out = run(RULES, [event("1", at=1000, k="a"), event("2", at=399.999, k="a"),
                      event("3", at=400, k="a"), event("4", at=1000, k="a")])
    assert [shape(d) for d in out] == [
        ("ok", "1", 1), ("error", "2", 2), ("ok", "3", 1), ("ok", "4", 3)]
    assert "late" in out[1]["error"]


def test_invalid_events_change_no_state() -> None:
    out = run(RULES, [event("1", at=0, k="a"), {"event_id": "2", "type": "e", "k": "a"},
                      {"event_id": "", "type": "e", "ts": "2026-11-11T00:00:01Z", "k": "a"},
                      event("3", at=2, k="a")])
    assert shape(out[-1]) == ("ok", "3", 2)


def test_late_is_measured_from_latest_ts_not_latest_line() -> None:
    out = run(RULES, [event("1", at=1000), event("2", at=500), event("3", at=399)])
    assert [shape(d)[0] for d in out] == ["ok", "ok", "error"]


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z"),
        ("2026-11-11T08:00:00+08:00", "2026-11-11T00:00:00Z"),
        ("2024-02-29T23:59:59.5-00:30", "2024-03-01T00:29:59.5Z"),
        ("1969-12-31T23:59:59.999999999Z", "1969-12-31T23:59:59.999999999Z"),
    ],
)
def test_timestamps_parse_to_exact_nanoseconds(text: str, iso: str) -> None:
    ns = parse_ts(text)
    assert ns is not None and format_ns(ns) == iso


@pytest.mark.parametrize(
    "text", ["2023-02-29T00:00:00Z", "2026-11-11T00:60:00Z", "2026-11-11T00:00:60Z",
             "2026-11-11T00:00:00+24:00", "２026-11-11T00:00:00Z", "2026-11-11T00:00:00Z\n"])
def test_timestamps_reject(text: str) -> None:
    assert parse_ts(text) is None
