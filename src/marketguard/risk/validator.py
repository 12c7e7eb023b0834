"""Stage 2 of the rules language: judge a parsed draft and build a RuleSet.

Why a separate stage: the compiler may assume every node it meets is allowed,
so everything the language forbids is refused here, with the rule name and the
``line:column`` of the offending construct, before any code is generated.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from marketguard.risk.model import AGGREGATIONS, Expression, FeatureDef, RuleSet, RuleSetError
from marketguard.risk.parser import Draft, parse_rules, read_rules_text

FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "lower": (1, 1),
    "upper": (1, 1),
    "len": (1, 1),
    "abs": (1, 1),
    "min": (2, None),
    "max": (2, None),
    "startswith": (2, 2),
    "endswith": (2, 2),
    "contains": (2, 2),
}
MAX_DEPTH = 60
_WINDOW = re.compile(r"([0-9]+)([smhd])", re.ASCII)
_UNIT_NS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Mod: "%"}
_FORBIDDEN_BINOPS = {
    ast.FloorDiv: "'//' is not allowed; use '/'",
    ast.Pow: "'**' is not allowed",
    ast.LShift: "'<<' is not allowed",
    ast.RShift: "'>>' is not allowed",
    ast.BitOr: "'|' is not allowed; use 'or'",
    ast.BitAnd: "'&' is not allowed; use 'and'",
    ast.BitXor: "'^' is not allowed",
    ast.MatMult: "'@' is not allowed",
}
_FORBIDDEN_NODES: dict[type, str] = {
    ast.Attribute: "attribute access is not allowed",
    ast.Subscript: "subscripts are not allowed",
    ast.Lambda: "lambdas are not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.IfExp: "conditional expressions (x if c else y) are not allowed",
    ast.Tuple: "tuples are not allowed; use a list [...]",
    ast.Set: "sets are not allowed; use a list [...]",
    ast.Dict: "dicts are not allowed",
    ast.JoinedStr: "f-strings are not allowed",
    ast.NamedExpr: "':=' is not allowed",
    ast.Starred: "'*' unpacking is not allowed",
    ast.Await: "'await' is not allowed",
    ast.Slice: "slices are not allowed",
}
_OPAQUE = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.JoinedStr)


class ExpressionChecker:
    """Walk one expression's AST and collect every forbidden construct."""

    def __init__(self, expr: Expression, label: str, features: set[str], in_where: bool):
        self.expr = expr
        self.label = label
        self.features = features
        self.in_where = in_where
        self.lines = expr.source.split("\n")
        self.problems: list[str] = []

    def run(self) -> list[str]:
        """Return the problems found (empty when the expression is allowed)."""
        self._visit(self.expr.tree.body, 0)
        return self.problems

    def _pos(self, line: int, byte_col: int) -> str:
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        col = len(text.encode("utf-8")[:byte_col].decode("utf-8", "ignore")) + 1
        return f"{line}:{col + (self.expr.offset if line == 1 else 0)}"

    def _report(self, node: ast.AST, message: str) -> None:
        pos = self._pos(getattr(node, "lineno", 1), getattr(node, "col_offset", 0))
        kind = "where" if self.in_where else "when"
        self.problems.append(f"{self.label}: {kind} {pos}: {message}")

    def _report_between(self, left: ast.expr, right: ast.expr, message: str) -> None:
        """Report at the operator written between ``left`` and ``right``."""
        line, col = left.end_lineno or 1, left.end_col_offset or 0
        end = (right.lineno, right.col_offset)
        while (line, col) < end:
            raw = self.lines[line - 1].encode("utf-8") if line <= len(self.lines) else b""
            if col >= len(raw):
                line, col = line + 1, 0
                continue
            if raw[col : col + 1] not in (b" ", b"\t", b"(", b")", b"\\"):
                break
            col += 1
        probe = ast.Pass(lineno=line, col_offset=col)
        self._report(probe, message)

    def _visit(self, node: ast.AST, depth: int) -> None:
        if depth > MAX_DEPTH:
            self._report(node, f"expression nested more than {MAX_DEPTH} levels deep")
            return
        handler = getattr(self, f"_v_{type(node).__name__}", None)
        if handler is not None:
            handler(node, depth + 1)
            return
        message = _FORBIDDEN_NODES.get(type(node), f"{type(node).__name__} is not allowed")
        self._report(node, message)
        if not isinstance(node, _OPAQUE):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self._visit(child, depth + 1)

    def _v_Constant(self, node: ast.Constant, depth: int) -> None:
        value = node.value
        if value is None or isinstance(value, bool | int | float | str):
            return
        kind = {bytes: "bytes literals", complex: "complex numbers"}.get(type(value), "'...'")
        self._report(node, f"{kind} are not allowed" if kind != "'...'" else "'...' is not allowed")

    def _v_Name(self, node: ast.Name, depth: int) -> None:
        if self.in_where and node.id in self.features:
            self._report(
                node,
                f"feature {node.id!r} cannot be used inside a where "
                "(a where sees event fields and lists only)",
            )

    def _v_BoolOp(self, node: ast.BoolOp, depth: int) -> None:
        for value in node.values:
            self._visit(value, depth)

    def _v_UnaryOp(self, node: ast.UnaryOp, depth: int) -> None:
        if isinstance(node.op, ast.UAdd):
            self._report(node, "unary '+' is not allowed")
        elif isinstance(node.op, ast.Invert):
            self._report(node, "'~' is not allowed; use 'not'")
        self._visit(node.operand, depth)

    def _v_BinOp(self, node: ast.BinOp, depth: int) -> None:
        message = _FORBIDDEN_BINOPS.get(type(node.op))
        self._visit(node.left, depth)
        if message:
            self._report_between(node.left, node.right, message)
        self._visit(node.right, depth)

    def _v_Compare(self, node: ast.Compare, depth: int) -> None:
        self._visit(node.left, depth)
        left: ast.expr = node.left
        for op, right in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, ast.Is | ast.IsNot):
                word = "is not" if isinstance(op, ast.IsNot) else "is"
                self._report_between(left, right, f"'{word}' is not allowed; use '==' or '!='")
            self._visit(right, depth)
            left = right

    def _v_Call(self, node: ast.Call, depth: int) -> None:
        func = node.func
        allowed = ", ".join(FUNCTIONS)
        if not isinstance(func, ast.Name):
            self._report(node, f"only the functions {allowed} may be called")
        elif func.id not in FUNCTIONS:
            self._report(node, f"unknown function {func.id!r} (available: {allowed})")
        else:
            low, high = FUNCTIONS[func.id]
            given = len(node.args)
            if high is None and given < low:
                self._report(node, f"{func.id}() takes at least {low} arguments ({given} given)")
            elif high is not None and given != low:
                noun = "argument" if low == 1 else "arguments"
                self._report(node, f"{func.id}() takes exactly {low} {noun} ({given} given)")
        if node.keywords:
            self._report(node.keywords[0], "keyword arguments are not allowed")
        for arg in node.args:
            self._visit(arg, depth)
        for keyword in node.keywords:
            self._visit(keyword.value, depth)

    def _v_List(self, node: ast.List, depth: int) -> None:
        for elt in node.elts:
            if not _is_list_item(elt):
                self._report(elt, "list literals may hold only numbers and strings")


def _is_list_item(node: ast.expr) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node = node.operand
        return isinstance(node, ast.Constant) and _is_number(node.value)
    return isinstance(node, ast.Constant) and (_is_number(node.value) or type(node.value) is str)


def _is_number(value: object) -> bool:
    return type(value) is int or type(value) is float


def parse_window(text: object) -> int | None:
    """Return a window such as ``10m`` in nanoseconds, or None when malformed."""
    if not isinstance(text, str):
        return None
    match = _WINDOW.fullmatch(text)
    if match is None or int(match.group(1)) == 0:
        return None
    return int(match.group(1)) * _UNIT_NS[match.group(2)] * 1_000_000_000


def validate(draft: Draft) -> RuleSet:
    """Judge ``draft``; return the RuleSet or raise RuleSetError listing everything."""
    from marketguard.risk.checks import check_lists, check_rules, check_top

    problems = list(draft.problems)
    problems += check_top(draft)
    lists = check_lists(draft, problems)
    features = _check_features(draft, problems)
    names = {feat.name for feat in draft.features}
    rules = check_rules(draft, names, problems)
    if problems:
        raise RuleSetError(_in_file_order(draft, problems), source=draft.source)
    enrich = tuple(draft.enrich or ())
    return RuleSet(
        version=draft.version_hash,
        lists=lists,
        features=tuple(features),
        rules=tuple(rules),
        enrich=enrich,
        ip_countries=dict(draft.ip_countries or {}),
        source=draft.source,
    )


def _in_file_order(draft: Draft, problems: list[str]) -> list[str]:
    """Sort problems: top level, then lists, features and rules as they appear."""
    order: dict[str, tuple[int, int]] = {}
    for index, name in enumerate(draft.lists):
        order.setdefault(f"list {name!r}:", (1, index))
    for index, feat in enumerate(draft.features):
        order.setdefault(f"feature {feat.name!r}:", (2, index))
    for index, rule in enumerate(draft.rules):
        order.setdefault(f"{rule.label}:", (3, index))

    def key(problem: str) -> tuple[int, int]:
        head = problem.split(": ", 1)[0] + ":"
        return order.get(head, (0, 0))

    return sorted(problems, key=key)


def _check_features(draft: Draft, problems: list[str]) -> list[FeatureDef]:
    out: list[FeatureDef] = []
    names = {feat.name for feat in draft.features}
    for feat in draft.features:
        label = f"feature {feat.name!r}"
        raw: dict[str, Any] = feat.raw
        aggs = [key for key in AGGREGATIONS if key in raw]
        ok = True
        if not aggs:
            ok = False
            if all(key in AGGREGATIONS or key in _FEATURE_OTHER for key in raw):
                problems.append(f"{label}: needs an aggregation: count, sum or distinct")
        elif len(aggs) > 1:
            ok = False
            problems.append(f"{label}: give exactly one of count, sum or distinct")
        kind = aggs[0] if aggs else ""
        target = raw.get(kind)
        if kind and not (isinstance(target, str) and target):
            ok = False
            what = "an event type" if kind == "count" else "a field name"
            problems.append(f"{label}: {kind!r} must be {what}")
        if kind == "count" and "of" in raw:
            ok = False
            problems.append(f"{label}: 'count' takes no 'of' (count names the event type itself)")
        of = raw.get("of")
        if kind in ("sum", "distinct"):
            if "of" not in raw:
                ok = False
                problems.append(f"{label}: {kind!r} needs 'of' (the event type)")
            elif not (isinstance(of, str) and of):
                ok = False
                problems.append(f"{label}: 'of' must be an event type")
        by = raw.get("by")
        if not (isinstance(by, str) and by):
            ok = False
            problems.append(f"{label}: 'by' must name the key field" if "by" in raw else
                            f"{label}: missing 'by' (the key field)")
        window_ns = parse_window(raw.get("window"))
        if window_ns is None:
            ok = False
            if "window" not in raw:
                problems.append(f"{label}: missing 'window'")
            else:
                problems.append(
                    f"{label}: bad window {raw.get('window')!r} "
                    "(a positive integer followed by s, m, h or d, like 10m)"
                )
        if feat.where is not None:
            checker = ExpressionChecker(feat.where, label, names, in_where=True)
            found = checker.run()
            ok = ok and not found
            problems.extend(found)
        if ok:
            out.append(
                FeatureDef(
                    name=feat.name,
                    kind=kind,
                    event_type=str(target if kind == "count" else of),
                    field=None if kind == "count" else str(target),
                    by=str(by),
                    window_ns=window_ns or 0,
                    window=raw["window"],
                    where=feat.where,
                )
            )
    return out


_FEATURE_OTHER = ("of", "by", "window", "where")


def load_rules(path: str) -> RuleSet:
    """Read, parse and validate the rules file at ``path``."""
    return validate(parse_rules(read_rules_text(path), source=str(path)))


def loads_rules(text: str, source: str = "rules") -> RuleSet:
    """Parse and validate rules given as text."""
    return validate(parse_rules(text, source=source))
