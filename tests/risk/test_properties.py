"""Property tests: the compiled evaluator and engine against the reference; paths agree."""

from __future__ import annotations

import ast
import math
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from marketguard.risk.compiler import compile_expression
from marketguard.risk.engine import Engine, fixed_clock
from marketguard.risk.model import TimeLimits
from marketguard.risk.service import backtest, decide_events, decide_stream
from marketguard.risk.timestamps import format_ns, parse_ts
from tests.risk.helpers import make_rules, ts_at
from tests.risk.reference import ReferenceEngine, evaluate

LISTS = {"L": ("a", 1, -2.5)}
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from([0.5, -2.5, 1.0, 1e308]),
    st.sampled_from(["", "a", "ab", "B", "1"]),
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3), max_leaves=6)
literals = st.sampled_from(
    ["None", "True", "False", "0", "1", "-2", "2.5", "1e308", "''", "'a'", "'ab'", "[]",
     "[1, 'a', -2.5]", "['a', 'b']", "L"])
fields = st.sampled_from(["a", "b", "c", "d"])
leaves = st.one_of(literals, fields)


def _extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.sampled_from(["+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=",
                              "in", "not in", "and", "or"])
    fn1 = st.sampled_from(["lower", "upper", "len", "abs"])
    fn2 = st.sampled_from(["startswith", "endswith", "contains", "min", "max"])
    return st.one_of(
        st.tuples(inner, binary, inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(inner, inner, inner).map(lambda t: f"({t[0]} < {t[1]} <= {t[2]})"),
        st.tuples(inner, inner, inner).map(lambda t: f"({t[0]} == {t[1]} != {t[2]})"),
        inner.map(lambda x: f"(not {x})"),
        inner.map(lambda x: f"(-{x})"),
        st.tuples(fn1, inner).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(fn2, inner, inner).map(lambda t: f"{t[0]}({t[1]}, {t[2]})"),
        st.tuples(inner, inner, inner).map(lambda t: f"max({t[0]}, {t[1]}, {t[2]})"),
    )


expressions = st.recursive(leaves, _extend, max_leaves=8)


def strict(v: Any) -> Any:
    """Identity including the exact type, so 1, 1.0 and True differ."""
    if isinstance(v, float) and math.isnan(v):
        return ("nan",)
    if isinstance(v, list):
        return ("list", tuple(strict(x) for x in v))
    return (type(v).__name__, v)


@settings(max_examples=600, deadline=None)
@given(expressions, st.fixed_dictionaries({k: values for k in "abcd"}))
def test_compiled_expressions_agree_with_reference_interpreter(
    text: str, event: dict[str, Any]
) -> None:
    compiled = compile_expression(text, LISTS)(event)
    tree = ast.parse(text, mode="eval").body

    def lookup(name: str) -> Any:
        return list(LISTS[name]) if name in LISTS else event.get(name)

    assert strict(compiled) == strict(evaluate(tree, lookup))


RULES = """
version: 1
lists:
  bad: [x, 1]
features:
  n_user: {count: login, by: user, window: 30s}
  n_fail: {count: login, by: ip, window: 1m, where: "outcome == 'fail' or tag in bad"}
  spend: {sum: amount, of: pay, by: user, window: 45s}
  cards: {distinct: card, of: pay, by: device, window: 2m}
  pays: {count: pay, by: device, window: 10s}
  n_tag: {count: login, by: ip, window: 1m, where: "tag in bad or tag == 1"}
rules:
  - {name: show, events: [login, pay, other], action: allow, score: 0, mode: shadow,
     when: "True or n_user or n_fail or n_tag or spend or cards or pays"}
  - {name: many_logins, events: [login], when: "n_user >= 2", action: challenge, score: 30}
  - {name: failing_ip, events: [login, pay], when: "n_fail > 1 and n_fail <= 4",
     action: review, score: 40}
  - {name: big_spend, events: [pay], when: "spend > 10 or amount >= 7", action: block,
     score: 80}
  - {name: card_test, events: [pay], when: "cards >= 2 or pays > 1", action: block, score: 50,
     mode: shadow}
  - {name: odd, events: [pay, login], when: "tag == 3 or contains(bad, tag)", action: allow,
     score: 5}
"""
RULESET = make_rules(RULES)
RULESET_BY_USER = make_rules(RULES.replace("by: ip", "by: user").replace("by: device", "by: user"))
"""The same rules with every feature keyed by ``user`` (a backtest can split them)."""

NOW_TEXT = "2026-11-12T00:00:00Z"
NOW = parse_ts(NOW_TEXT) or 0
"""The fixed clock of the tests that inject one (a day after the generated events)."""
LEAD = TimeLimits().max_lead_ns
TIGHT = TimeLimits(max_step_ns=20 * 10**9)
"""A watermark step shorter than the generated gaps: it trails the newest ts often."""
JUMPS: list[Any] = [None] * 14 + [3600, 2 * 86400, 10 * 86400, "far", "edge", "edge+1"]
"""Stray events: ``n`` seconds ahead of the generator's clock (which stays put), 9999-12-31,
or exactly at / 1 ns past the lead over ``NOW``."""

events_strategy = st.lists(
    st.one_of(
        st.fixed_dictionaries(
            {
                "type": st.sampled_from(["login", "pay", "other"]),
                "dt": st.sampled_from([0, 0, 5, 5, 10, 10, 15, 30, 45, 60, -10, -30, -700]),
                "user": st.sampled_from(["u1", "u2", None, 1, True]),
                "ip": st.sampled_from(["i1", "i2"]),
                "device": st.sampled_from(["d1", "d2", 1.0, 1]),
                "card": st.sampled_from(["c1", "c2", "c3", None, 1, True]),
                "amount": st.sampled_from([1, 2, 3.5, "5", None, True, 9]),
                "outcome": st.sampled_from(["fail", "ok"]),
                "tag": st.sampled_from(["x", 3, 3.0, True, 1, None]),
                "jump": st.sampled_from(JUMPS),
            }
        ),
        st.sampled_from(["", "not json", "[1]", '{"event_id": "", "type": "x"}']),
    ),
    max_size=40,
)


def stray_ts(clock: int, jump: Any) -> str:
    """The ``ts`` of a stray event (see ``JUMPS``)."""
    if jump == "far":
        return "9999-12-31T23:59:59.999999999Z"
    if jump in ("edge", "edge+1"):
        return format_ns(NOW + LEAD + (jump == "edge+1"))
    moment = datetime(2026, 11, 11, tzinfo=UTC) + timedelta(seconds=clock + jump)
    return moment.isoformat().replace("+00:00", "Z")


def to_lines(items: list[Any]) -> list[str]:
    """Serialise generated items; ``dt`` steps a clock (ties, edges, disorder, late).

    An item with a ``jump`` is a stray event far ahead (see ``JUMPS``); the clock
    does not follow it, as when one sender's clock is wrong or a replay skips.
    """
    lines = []
    clock = 1000
    for index, item in enumerate(items):
        if isinstance(item, str):
            lines.append(item)
            continue
        clock = max(0, clock + item["dt"])
        jump = item.get("jump")
        event = {k: v for k, v in item.items() if k not in ("dt", "jump") and v is not None}
        ts = ts_at(clock) if jump is None else stray_ts(clock, jump)
        event = {"event_id": f"e{index}", "ts": ts, **event}
        lines.append(orjson.dumps(event).decode())
    return lines


def reference_run(
    lines: list[str], limits: TimeLimits | None = None, now: int = NOW
) -> list[dict[str, Any]]:
    limits = limits or TimeLimits()
    engine = ReferenceEngine(RULESET, now, limits.max_lead_ns, limits.max_step_ns)
    out = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            event = orjson.loads(line)
        except orjson.JSONDecodeError:
            event = None
        out.append(engine.decide(event, number))
    return out


def comparable(decisions: list[dict[str, Any]]) -> list[Any]:
    return [{**d, "error": "x"} if "error" in d else d for d in decisions]


LIMITS = pytest.mark.parametrize("limits", [TimeLimits(), TIGHT], ids=["default", "tight"])
_LOGIN = {"type": "login", "dt": 5, "user": "u1", "ip": "i1", "device": "d1", "card": "c1",
          "amount": 1, "outcome": "fail", "tag": "x", "jump": None}
JUMP_ON_A_BUSY_KEY = [_LOGIN, _LOGIN, _LOGIN, {**_LOGIN, "jump": 3600}, _LOGIN]
"""A key with entries, an event past the step on it, then a read of its window: a store
pruning relative to the stray event's ts would lose the entries the last event counts."""


@LIMITS
@settings(max_examples=300, deadline=None)
@given(items=events_strategy)
@example(items=JUMP_ON_A_BUSY_KEY)
def test_engine_agrees_with_brute_force_reference(limits: TimeLimits, items: list[Any]) -> None:
    lines = to_lines(items)
    decided = decide_stream(RULESET, lines, clock=fixed_clock(NOW), limits=limits)
    assert comparable(list(decided)) == reference_run(lines, limits)


@LIMITS
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(items=events_strategy)
def test_every_backtest_variant_agrees_with_the_reference(
    tmp_path: Path, limits: TimeLimits, items: list[Any]
) -> None:
    """Summary only, ``--out``, ``--candidate`` and ``--workers 2`` judge time alike."""
    lines = to_lines(items)
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n")
    clock = fixed_clock(NOW)
    for rules in (RULESET, RULESET_BY_USER):
        expected = list(decide_stream(rules, lines, clock=clock, limits=limits))
        if rules is RULESET:
            assert comparable(expected) == reference_run(lines, limits)
        mix = Counter(d["action"] for d in expected if "error" not in d)
        errors = sum("error" in d for d in expected)
        for workers in (1, 2):
            out = tmp_path / f"out-{workers}.jsonl"
            plain = backtest(rules, path, workers=workers, clock=clock, limits=limits)
            full = backtest(rules, path, out=out, candidate=rules, workers=workers,
                            clock=clock, limits=limits)
            assert [orjson.loads(x) for x in out.read_bytes().splitlines()] == expected
            for summary in (plain, full, full["candidate"]):
                assert summary["errors"] == errors
                assert {k: v for k, v in summary["actions"].items() if v} == dict(mix)
            assert full["candidate"]["disagreements"] == 0


@LIMITS
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(items=events_strategy, cuts=st.lists(st.integers(1, 7), max_size=10))
def test_stream_batches_and_backtest_agree(
    tmp_path: Path, limits: TimeLimits, items: list[Any], cuts: list[int]
) -> None:
    lines = to_lines(items)
    clock = fixed_clock(NOW)
    stream = list(decide_stream(RULESET, lines, clock=clock, limits=limits))
    engine = Engine(RULESET, clock=clock, limits=limits)
    batched: list[dict[str, Any]] = []
    events = [(n, orjson.loads(line)) for n, line in enumerate(lines, 1)
              if line.strip() and line[0] in "{"]
    position = 0
    for cut in [*cuts, len(events)]:
        chunk = events[position: position + cut]
        position += len(chunk)
        for (number, _), decision in zip(
            chunk, decide_events(RULESET, [e for _, e in chunk], engine=engine), strict=True
        ):
            batched.append({**decision, "line": number} if "error" in decision else decision)
    assert batched == [d for d in stream if d.get("line") is None or
                       lines[d["line"] - 1][0] == "{"]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n")
    out = tmp_path / "decisions.jsonl"
    backtest(RULESET, path, out=out, clock=clock, limits=limits)
    replay = [orjson.loads(x) for x in out.read_bytes().splitlines()]
    assert replay == stream
