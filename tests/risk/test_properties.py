"""Property tests: the compiled evaluator and engine against the reference; paths agree."""

from __future__ import annotations

import ast
import math
from pathlib import Path
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketguard.risk.compiler import compile_expression
from marketguard.risk.engine import Engine
from marketguard.risk.service import backtest, decide_events, decide_stream
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
            }
        ),
        st.sampled_from(["", "not json", "[1]", '{"event_id": "", "type": "x"}']),
    ),
    max_size=40,
)


def to_lines(items: list[Any]) -> list[str]:
    """Serialise generated items; ``dt`` steps a clock (ties, edges, disorder, late)."""
    lines = []
    clock = 1000
    for index, item in enumerate(items):
        if isinstance(item, str):
            lines.append(item)
            continue
        clock = max(0, clock + item["dt"])
        event = {k: v for k, v in item.items() if k != "dt" and v is not None}
        event = {"event_id": f"e{index}", "ts": ts_at(clock), **event}
        lines.append(orjson.dumps(event).decode())
    return lines


def reference_run(lines: list[str]) -> list[dict[str, Any]]:
    engine = ReferenceEngine(RULESET)
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


@settings(max_examples=300, deadline=None)
@given(events_strategy)
def test_engine_agrees_with_brute_force_reference(items: list[Any]) -> None:
    lines = to_lines(items)
    assert comparable(list(decide_stream(RULESET, lines))) == reference_run(lines)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(events_strategy, st.lists(st.integers(1, 7), max_size=10))
def test_stream_batches_and_backtest_agree(
    tmp_path: Path, items: list[Any], cuts: list[int]
) -> None:
    lines = to_lines(items)
    stream = list(decide_stream(RULESET, lines))
    engine = Engine(RULESET)
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
    backtest(RULESET, path, out=out)
    replay = [orjson.loads(x) for x in out.read_bytes().splitlines()]
    assert replay == stream
