"""A tiny, slow, independent reference of FORMATS §5 for property tests.

It shares nothing with the engine except Python's ``ast`` parser: a tree-walking
interpreter of the expression language and a brute-force engine that recomputes
every feature by scanning all events processed so far.
"""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from typing import Any

from marketguard.risk.model import ACTIONS, RuleSet


def is_num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def canon(v: Any) -> Any:
    """A value's identity for == (numbers by value, booleans apart)."""
    if isinstance(v, bool):
        return ("bool", v)
    if is_num(v):
        return ("num", v)
    if isinstance(v, str):
        return ("str", v)
    if v is None:
        return ("null",)
    if isinstance(v, list):
        return ("list", tuple(canon(x) for x in v))
    if isinstance(v, dict):
        return ("dict", frozenset((k, canon(x)) for k, x in v.items()))
    raise TypeError(v)


def ref_in(x: Any, c: Any) -> Any:
    if x is None or c is None:
        return None
    if isinstance(c, list):
        return any(canon(x) == canon(y) for y in c)
    if isinstance(c, str):
        return (x in c) if isinstance(x, str) else None
    return None


def _arith(op: ast.operator, a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    try:
        if isinstance(op, ast.Add):
            if (is_num(a) and is_num(b)) or (isinstance(a, str) and isinstance(b, str)) or (
                isinstance(a, list) and isinstance(b, list)
            ):
                return a + b
            return None
        if not (is_num(a) and is_num(b)):
            return None
        if isinstance(op, ast.Sub):
            return a - b
        if isinstance(op, ast.Mult):
            return a * b
        if b == 0:
            return None
        return a / b if isinstance(op, ast.Div) else a % b
    except OverflowError:
        return None


def _cmp(op: ast.cmpop, a: Any, b: Any) -> Any:
    if isinstance(op, ast.Eq):
        return canon(a) == canon(b)
    if isinstance(op, ast.NotEq):
        return canon(a) != canon(b)
    if isinstance(op, ast.In):
        return ref_in(a, b)
    if isinstance(op, ast.NotIn):
        found = ref_in(a, b)
        return None if found is None else not found
    if not ((is_num(a) and is_num(b)) or (isinstance(a, str) and isinstance(b, str))):
        return None
    return {ast.Lt: a < b, ast.LtE: a <= b, ast.Gt: a > b, ast.GtE: a >= b}[type(op)]


def _call(name: str, args: list[Any]) -> Any:
    one = args[0]
    if name in ("lower", "upper"):
        return getattr(one, name)() if isinstance(one, str) else None
    if name == "len":
        return len(one) if isinstance(one, str | list | dict) else None
    if name == "abs":
        return abs(one) if is_num(one) else None
    if name in ("min", "max"):
        if all(is_num(a) for a in args) or all(isinstance(a, str) for a in args):
            return (min if name == "min" else max)(args)
        return None
    if name in ("startswith", "endswith"):
        ok = isinstance(one, str) and isinstance(args[1], str)
        return getattr(one, name)(args[1]) if ok else None
    if name == "contains":
        return ref_in(args[1], one)
    raise AssertionError(name)


def evaluate(node: ast.expr, lookup: Any) -> Any:
    """Evaluate a validated expression node; ``lookup(name)`` resolves names."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return lookup(node.id)
    if isinstance(node, ast.List):
        return [evaluate(e, lookup) for e in node.elts]
    if isinstance(node, ast.BoolOp):
        value: Any = None
        for part in node.values:
            value = evaluate(part, lookup)
            if isinstance(node.op, ast.And) and not value:
                return value
            if isinstance(node.op, ast.Or) and value:
                return value
        return value
    if isinstance(node, ast.UnaryOp):
        v = evaluate(node.operand, lookup)
        if isinstance(node.op, ast.Not):
            return not v
        return -v if is_num(v) else None
    if isinstance(node, ast.BinOp):
        return _arith(node.op, evaluate(node.left, lookup), evaluate(node.right, lookup))
    if isinstance(node, ast.Compare):
        left = evaluate(node.left, lookup)
        result: Any = True
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = evaluate(right_node, lookup)
            result = _cmp(op, left, right)
            if not result:
                return result
            left = right
        return result
    if isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name)
        return _call(node.func.id, [evaluate(a, lookup) for a in node.args])
    raise AssertionError(ast.dump(node))


def _ts(text: Any) -> int | None:
    import re

    if not isinstance(text, str):
        return None
    m = re.fullmatch(r"(\d{4}-\d\d-\d\d)[Tt](\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?([Zz]|[+-]\d\d:\d\d)",
                     text, re.ASCII)
    if not m:
        return None
    zone = "+00:00" if m.group(4) in "Zz" else m.group(4)
    try:
        moment = datetime.fromisoformat(f"{m.group(1)}T{m.group(2)}{zone}")
    except ValueError:
        return None
    whole = int((moment - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds())
    return whole * 10**9 + int((m.group(3) or "0").ljust(9, "0"))


class ReferenceEngine:
    """Brute force: keep every accepted event; scan them for each feature value.

    Time: an event more than ``lead`` ns after ``now`` is ahead; one more than 10
    minutes behind the watermark is late; an accepted one moves the watermark to
    ``max(watermark, min(ts, watermark + step))``. Nothing is ever forgotten, so
    a store that drops entries a later event still needs disagrees with this.
    """

    def __init__(
        self,
        ruleset: RuleSet,
        now: int | None = None,
        lead: int = 300 * 10**9,
        step: int = 86_400 * 10**9,
    ) -> None:
        self.rs = ruleset
        self.history: list[tuple[int, dict[str, Any]]] = []
        self.latest: int | None = None
        self.now, self.lead, self.step = now, lead, step

    def _lookup(self, event: dict[str, Any], ts: int, features: bool) -> Any:
        def lookup(name: str) -> Any:
            feat = self.rs.feature(name) if features else None
            if feat is not None:
                return self.feature(feat, event, ts)
            if name in self.rs.lists:
                return list(self.rs.lists[name])
            return event.get(name)
        return lookup

    def qualifies(self, feat: Any, event: dict[str, Any], ts: int) -> bool:
        if event.get("type") != feat.event_type or event.get(feat.by) is None:
            return False
        return feat.where is None or bool(
            evaluate(feat.where.tree.body, self._lookup(event, ts, False)))

    def feature(self, feat: Any, event: dict[str, Any], ts: int) -> Any:
        key = event.get(feat.by)
        if key is None:
            return 0
        rows = [e for t, e in self.history
                if ts - feat.window_ns < t <= ts and canon(e.get(feat.by)) == canon(key)
                and self.qualifies(feat, e, t)]
        if feat.kind == "count":
            return len(rows)
        values = [e.get(feat.field) for e in rows]
        if feat.kind == "distinct":
            return len({canon(v) for v in values if v is not None})
        nums = [v for v in values if is_num(v)]
        if any(isinstance(v, float) for v in nums):
            import math
            return math.fsum(nums)
        return sum(nums)

    def decide(self, event: Any, line: int) -> dict[str, Any]:
        if not isinstance(event, dict):
            return {"event_id": None, "line": line, "error": "x"}
        eid = event.get("event_id")
        if not isinstance(eid, str) or not eid:
            return {"event_id": None, "line": line, "error": "x"}
        ts = _ts(event.get("ts"))
        if event.get("type") is None or ts is None:
            return {"event_id": eid, "line": line, "error": "x"}
        if self.now is not None and ts > self.now + self.lead:
            return {"event_id": eid, "line": line, "error": "x"}
        if self.latest is not None and self.latest - ts > 600 * 10**9:
            return {"event_id": eid, "line": line, "error": "x"}
        if self.latest is None:
            self.latest = ts
        else:
            self.latest = max(self.latest, min(ts, self.latest + self.step))
        self.history.append((ts, event))
        active, shadow, feats = [], [], set()
        for rule in self.rs.rules:
            if event.get("type") not in rule.events:
                continue
            if evaluate(rule.when.tree.body, self._lookup(event, ts, True)):
                (shadow if rule.mode == "shadow" else active).append(rule)
                names = {n.id for n in ast.walk(rule.when.tree) if isinstance(n, ast.Name)}
                feats |= {f.name for f in self.rs.features if f.name in names}
        action = max((ACTIONS.index(r.action) for r in active), default=0)
        return {
            "event_id": eid,
            "action": ACTIONS[action],
            "score": min(100, sum(r.score for r in active)),
            "rules": [r.name for r in active],
            "shadow_rules": [r.name for r in shadow],
            "features": {f.name: self.feature(f, event, ts)
                         for f in self.rs.features if f.name in feats},
        }
