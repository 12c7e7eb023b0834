"""Feature windows `(E.ts - window, E.ts]`, keys, `where` filters and aggregations."""

from __future__ import annotations

from typing import Any

import pytest

from tests.risk.helpers import event, make_rules, run, ts_at

FEATURES = """
version: 1
lists:
  bad: [x]
features:
  n: {count: e, by: user_id, window: 10s}
  total: {sum: amount, of: e, by: user_id, window: 10s}
  cards: {distinct: card, of: e, by: user_id, window: 10s}
  fails: {count: e, by: user_id, window: 10s, where: "outcome == 'failure' or tag in bad"}
  orders: {count: o, by: user_id, window: 10s}
rules:
  - {name: r, events: [e, p], when: "True or n or total or cards or fails or orders",
     action: allow, score: 0}
"""


def feats(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [d["features"] for d in run(make_rules(FEATURES), events)]


def test_when_window_is_half_open_then_event_exactly_window_old_is_out() -> None:
    out = feats([event("1", at=0, user_id="u"), event("2", at=9.999, user_id="u"),
                 event("3", at=10, user_id="u"), event("4", at=19.999, user_id="u")])
    assert [f["n"] for f in out] == [1, 2, 2, 2]


def test_when_event_qualifies_then_it_counts_itself() -> None:
    assert feats([event("1", user_id="u", amount=5, card="c")])[0] == {
        "n": 1, "total": 5, "cards": 1, "fails": 0, "orders": 0}


def test_when_event_lacks_the_key_then_feature_is_zero_and_it_does_not_qualify() -> None:
    out = feats([event("1", amount=5), event("2", user_id=None, amount=5),
                 event("3", user_id="u", amount=1)])
    assert out[0]["n"] == 0 and out[1]["total"] == 0 and out[2]["total"] == 1


def test_when_key_is_falsy_but_present_then_it_is_a_key() -> None:
    out = feats([event("1", user_id=""), event("2", user_id=""), event("3", user_id=0),
                 event("4", user_id=False), event("5", user_id=0.0)])
    assert [f["n"] for f in out] == [1, 2, 1, 1, 2]


def test_when_other_type_reads_feature_then_it_counts_that_key_without_itself() -> None:
    out = feats([event("1", "o", user_id="u"), event("2", "p", user_id="u")])
    assert out[1]["orders"] == 1 and out[1]["n"] == 0


def test_when_amount_missing_or_non_numeric_then_sum_adds_zero() -> None:
    out = feats([event("1", user_id="u", amount="12"), event("2", user_id="u", amount=True),
                 event("3", user_id="u"), event("4", user_id="u", amount=2.5),
                 event("5", user_id="u", amount=-1)])
    assert [f["total"] for f in out] == [0, 0, 0, 2.5, 1.5]
    assert [f["n"] for f in out] == [1, 2, 3, 4, 5]


def test_when_sum_has_only_integers_then_it_is_an_integer() -> None:
    out = feats([event("1", user_id="u", amount=2.5), event("2", at=11, user_id="u", amount=3)])
    assert out[1]["total"] == 3 and type(out[1]["total"]) is int


def test_distinct_counts_non_null_values_and_keeps_booleans_apart_from_numbers() -> None:
    cards = ["a", "a", None, 1, 1.0, True, "1", [1], {"k": 1}, {"k": 1}]
    out = feats([event(str(i), user_id="u", card=c) for i, c in enumerate(cards)])
    assert [f["cards"] for f in out] == [1, 1, 1, 2, 2, 3, 4, 5, 6, 6]


def test_where_filters_on_fields_and_lists() -> None:
    out = feats([event("1", user_id="u", outcome="failure"), event("2", user_id="u", tag="x"),
                 event("3", user_id="u", outcome="ok")])
    assert [f["fails"] for f in out] == [1, 2, 2]


def test_when_events_arrive_out_of_order_then_window_is_relative_to_each_event() -> None:
    out = feats([event("1", at=100, user_id="u", card="a", amount=1),
                 event("2", at=95, user_id="u", card="b", amount=2),
                 event("3", at=89, user_id="u", card="c", amount=4),
                 event("4", at=101, user_id="u", card="a", amount=8)])
    assert [f["n"] for f in out] == [1, 1, 1, 3]
    assert [f["total"] for f in out] == [1, 2, 4, 11]
    assert [f["cards"] for f in out] == [1, 1, 1, 2]


@pytest.mark.parametrize(
    ("window", "seconds", "inside"),
    [("30s", 29.999, True), ("30s", 30, False), ("2m", 119, True), ("1h", 3600, False),
     ("1d", 86399, True), ("1d", 86400, False)],
)
def test_window_units(window: str, seconds: float, inside: bool) -> None:
    ruleset = make_rules(f"""
        version: 1
        features:
          n: {{count: e, by: k, window: {window}}}
        rules:
          - {{name: r, events: [e], when: "n == 2", action: block, score: 1}}
    """)
    # keep the stream within lateness by sending a bridge event for the key "other"
    events = [event("1", at=0, k="a")]
    step = 0.0
    while step + 500 < seconds:
        step += 500
        events.append(event(f"b{step}", at=step, k="other"))
    events.append(event("2", at=seconds, k="a"))
    assert (run(ruleset, events)[-1]["rules"] == ["r"]) is inside


def test_timestamps_compare_exactly_to_the_nanosecond() -> None:
    ruleset = make_rules("""
        version: 1
        features:
          n: {count: e, by: k, window: 1s}
        rules:
          - {name: r, events: [e], when: "n == 2", action: block, score: 1}
    """)
    lines = [
        {"event_id": "1", "type": "e", "ts": "2026-11-11T00:00:00.000000001Z", "k": "a"},
        {"event_id": "2", "type": "e", "ts": "2026-11-11T00:00:01.000000001Z", "k": "a"},
        {"event_id": "3", "type": "e", "ts": "2026-11-11T01:00:01.000000000+01:00", "k": "a"},
    ]
    assert [d["rules"] for d in run(ruleset, lines)] == [[], [], ["r"]]


def test_eviction_keeps_results_for_long_streams() -> None:
    ruleset = make_rules(FEATURES)
    events = [event(str(i), at=i * 0.5, user_id="u", amount=1, card=str(i % 7))
              for i in range(3000)]
    out = [d["features"] for d in run(ruleset, events)]
    assert out[-1] == {"n": 20, "total": 20, "cards": 7, "fails": 0, "orders": 0}
    assert ts_at(1499.5) == events[-1]["ts"]


def test_sweeping_dead_keys_keeps_live_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    import marketguard.risk.features as features

    monkeypatch.setattr(features, "SWEEP_MIN", 4)
    ruleset = make_rules(FEATURES)
    events = [event(str(i), at=i * 7.0, user_id=f"u{i % 9}", amount=1, card="c")
              for i in range(400)]
    out = [d["features"] for d in run(ruleset, events)]
    assert all(f == {"n": 1, "total": 1, "cards": 1, "fails": 0, "orders": 0} for f in out)
