"""Typed factories for risk tests: rule sets from text, events, runs."""

from __future__ import annotations

import textwrap
from typing import Any

import orjson

from marketguard.risk.engine import Engine
from marketguard.risk.model import RuleSet
from marketguard.risk.validator import loads_rules

BASE_TS = "2026-11-11T00:00:00Z"


def make_rules(text: str) -> RuleSet:
    """Return a RuleSet from YAML text (dedented)."""
    return loads_rules(textwrap.dedent(text))


def one_rule(when: str, events: str = "e", *, features: str = "", lists: str = "") -> RuleSet:
    """Return a rule set holding one active rule named ``r`` on event type ``events``."""
    text = "version: 1\n"
    if lists:
        text += "lists:\n" + textwrap.indent(textwrap.dedent(lists), "  ")
    if features:
        text += "features:\n" + textwrap.indent(textwrap.dedent(features), "  ")
    text += (
        "rules:\n"
        f"  - name: r\n    events: [{events}]\n    when: {orjson.dumps(when).decode()}\n"
        "    action: block\n    score: 10\n"
    )
    return loads_rules(text)


def ts_at(seconds: float) -> str:
    """Return an RFC 3339 time ``seconds`` after 2026-11-11T00:00:00Z (ms precision)."""
    whole = int(seconds)
    millis = round((seconds - whole) * 1000)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    days, hours = divmod(hours, 24)
    return f"2026-11-{11 + days:02d}T{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}Z"


def event(event_id: str, event_type: str = "e", at: float = 0, **fields: Any) -> dict[str, Any]:
    """Return an event dict with ``ts`` ``at`` seconds after the base time."""
    return {"event_id": event_id, "type": event_type, "ts": ts_at(at), **fields}


def run(ruleset: RuleSet, events: list[Any]) -> list[dict[str, Any]]:
    """Decide events (dicts or raw lines) in order with a fresh engine."""
    engine = Engine(ruleset)
    lines = [item if isinstance(item, str) else orjson.dumps(item).decode() for item in events]
    return list(engine.decide_lines(lines))


def matched(ruleset: RuleSet, fields: dict[str, Any]) -> bool:
    """Return whether rule ``r`` matches a single event carrying ``fields``."""
    decision = run(ruleset, [event("x", **fields)])[0]
    return decision["rules"] == ["r"]
