"""Stage 3 of the rules language: turn a validated RuleSet into Python code.

Why generated code: a decision must cost microseconds, so each event type gets
one straight-line function (feature updates, then every rule's condition) built
from the templates below over *validated* AST nodes. User text never reaches the
generated source: every name, string and number a rules file supplies lives in
a constants table and is referred to by a generated identifier (``_C3``).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from types import CodeType
from typing import Any

from marketguard.risk.model import FeatureDef, RuleDef, RuleSet

_CMP_HELPER = {ast.Lt: "_lt", ast.LtE: "_le", ast.Gt: "_gt", ast.GtE: "_ge"}
_CMP_TEXT = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
_BIN_HELPER = {ast.Add: "_add", ast.Sub: "_sub", ast.Mult: "_mul", ast.Div: "_div", ast.Mod: "_mod"}


@dataclass(frozen=True)
class TypePlan:
    """What one event type runs: its rules in file order and the features they read."""

    event_type: str
    handler: str
    rules: tuple[RuleDef, ...]
    reads: tuple[int, ...]
    adds: tuple[int, ...]


@dataclass
class Program:
    """A compiled rule set: generated source, its code object and per-type plans."""

    ruleset: RuleSet
    source: str
    code: CodeType
    constants: dict[str, Any]
    plans: dict[str, TypePlan]
    rule_reads: dict[str, tuple[str, ...]] = field(default_factory=dict)


def rule_features(rule: RuleDef, ruleset: RuleSet) -> tuple[str, ...]:
    """Return the features a rule's ``when`` names, in feature-definition order."""
    named = {node.id for node in ast.walk(rule.when.tree) if isinstance(node, ast.Name)}
    return tuple(feat.name for feat in ruleset.features if feat.name in named)


class _Module:
    """Collects constants and function sources for one generated module."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset
        self.constants: dict[str, Any] = {}
        self._const_ids: dict[tuple[str, Any], str] = {}
        self.temp = 0
        self.feature_ids = {feat.name: index for index, feat in enumerate(ruleset.features)}

    def const(self, value: Any, kind: str = "C") -> str:
        """Return the identifier holding ``value`` (deduplicated by type and value)."""
        key = (kind + type(value).__name__, repr(value))
        name = self._const_ids.get(key)
        if name is None:
            name = f"_{kind}{len(self._const_ids)}"
            self._const_ids[key] = name
            self.constants[name] = value
        return name

    def new_temp(self) -> str:
        self.temp += 1
        return f"_t{self.temp}"


class _ExprGen:
    """Generate the code of one expression; names resolve feature > list > field."""

    def __init__(
        self,
        module: _Module,
        in_where: bool,
        fields: dict[str, str] | None = None,
        known: frozenset[int] = frozenset(),
    ) -> None:
        self.m = module
        self.in_where = in_where
        self.features_used: set[int] = set()
        self.fields = fields
        """Event fields already loaded into locals (name -> local), shared per handler."""
        self.known = known
        """Features whose local ``_f<id>`` always holds the value once updates are done."""

    def field(self, name: str) -> str:
        """Return code for event field ``name`` (a preloaded local when available)."""
        if self.fields is None:
            return f"_g({self.m.const(name, 'K')})"
        return field_local(self.fields, name)

    def _is_number(self, node: ast.expr) -> bool:
        """True when the operand is statically a number (a numeric literal or a feature)."""
        value = _constant(node)
        if value is not _NO:
            return type(value) in (int, float)
        return isinstance(node, ast.Name) and self._is_feature(node.id)

    def gen(self, node: ast.expr) -> str:
        method = getattr(self, f"_g_{type(node).__name__}")
        code: str = method(node)
        return code

    def _static_list(self, node: ast.expr) -> list[Any] | None:
        """Return the value of a literal list or a named list, else None."""
        if isinstance(node, ast.List):
            return [_literal(elt) for elt in node.elts]
        if isinstance(node, ast.Name) and not self._is_feature(node.id):
            values = self.m.ruleset.lists.get(node.id)
            return list(values) if values is not None else None
        return None

    def _is_simple(self, node: ast.expr) -> bool:
        """True when the operand's code is a bare constant (safe to repeat)."""
        return _constant(node) is not _NO or self._static_list(node) is not None

    def _is_feature(self, name: str) -> bool:
        return not self.in_where and name in self.m.feature_ids

    def _g_Constant(self, node: ast.Constant) -> str:
        if node.value is None or isinstance(node.value, bool):
            return repr(node.value)
        return self.m.const(node.value)

    def _g_List(self, node: ast.List) -> str:
        return self.m.const([_literal(elt) for elt in node.elts], "L")

    def _g_Name(self, node: ast.Name) -> str:
        from marketguard.risk.codegen import read_feature

        if self._is_feature(node.id):
            fid = self.m.feature_ids[node.id]
            self.features_used.add(fid)
            if fid in self.known:
                return f"_f{fid}"
            read = read_feature(self.m, fid, self.field(self.m.ruleset.features[fid].by))
            return f"(_f{fid} if _f{fid} is not _U else (_f{fid} := {read}))"
        if node.id in self.m.ruleset.lists:
            return self.m.const(list(self.m.ruleset.lists[node.id]), "L")
        return self.field(node.id)

    def _g_BoolOp(self, node: ast.BoolOp) -> str:
        word = " and " if isinstance(node.op, ast.And) else " or "
        return "(" + word.join(self.gen(value) for value in node.values) + ")"

    def _g_UnaryOp(self, node: ast.UnaryOp) -> str:
        value = _constant(node)
        if value is not _NO:
            return self.m.const(value)
        operand = self.gen(node.operand)
        if isinstance(node.op, ast.Not):
            return f"(not {operand})"
        temp = self.m.new_temp()
        return f"(-{temp} if type({temp} := {operand}) in _NUM else None)"

    def _g_BinOp(self, node: ast.BinOp) -> str:
        helper = _BIN_HELPER[type(node.op)]
        return f"{helper}({self.gen(node.left)}, {self.gen(node.right)})"

    def _g_Call(self, node: ast.Call) -> str:
        assert isinstance(node.func, ast.Name)
        args = ", ".join(self.gen(arg) for arg in node.args)
        return f"_fn_{node.func.id}({args})"

    def _g_Compare(self, node: ast.Compare) -> str:
        operands = [node.left, *node.comparators]
        codes = [self.gen(operand) for operand in operands]
        pairs: list[str] = []
        left_code = codes[0]
        for index, op in enumerate(node.ops):
            right_node = operands[index + 1]
            right_code = codes[index + 1]
            last = index == len(node.ops) - 1
            if not last and not self._is_simple(right_node):
                temp = self.m.new_temp()
                pairs.append(self._compare(op, operands[index], left_code,
                                           right_node, f"({temp} := {right_code})"))
                left_code = temp
            else:
                pairs.append(self._compare(op, operands[index], left_code,
                                           right_node, right_code))
                left_code = right_code
        code = pairs[-1]
        for pair in reversed(pairs[:-1]):
            temp = self.m.new_temp()
            code = f"({temp} if not ({temp} := {pair}) else {code})"
        return code

    def _compare(self, op: ast.cmpop, left: ast.expr, lc: str, right: ast.expr, rc: str) -> str:
        kind = type(op)
        if kind in (ast.Eq, ast.NotEq):
            return self._equality(kind is ast.Eq, left, lc, right, rc)
        if kind in (ast.In, ast.NotIn):
            return self._membership(kind is ast.In, lc, right, rc)
        text = _CMP_TEXT[kind]
        if self._is_number(left) and self._is_number(right):
            return f"({lc} {text} {rc})"
        temp = self.m.new_temp()
        for value_node, other, literal, swap in ((right, lc, rc, False), (left, rc, lc, True)):
            value = _constant(value_node)
            if value is _NO or isinstance(value, bool) or value is None:
                continue
            check = "in _NUM" if type(value) in (int, float) else "is str"
            expr = f"{literal} {text} {temp}" if swap else f"{temp} {text} {literal}"
            return f"({expr} if type({temp} := {other}) {check} else None)"
        return f"{_CMP_HELPER[kind]}({lc}, {rc})"

    def _equality(self, is_eq: bool, left: ast.expr, lc: str, right: ast.expr, rc: str) -> str:
        if self._is_number(left) and self._is_number(right):
            return f"({lc} {'==' if is_eq else '!='} {rc})"
        for value_node, other, literal in ((right, lc, rc), (left, rc, lc)):
            value = _constant(value_node)
            if value is _NO:
                continue
            if value is None or isinstance(value, bool):
                return f"({other} {'is' if is_eq else 'is not'} {literal})"
            if type(value) is str:
                return f"({other} {'==' if is_eq else '!='} {literal})"
            temp = self.m.new_temp()
            test = f"(type({temp} := {other}) in _NUM and {temp} == {literal})"
            return test if is_eq else f"(not {test})"
        return f"{'_eq' if is_eq else '_ne'}({lc}, {rc})"

    def _membership(self, is_in: bool, lc: str, right: ast.expr, rc: str) -> str:
        values = self._static_list(right)
        if values is None:
            return f"{'_in' if is_in else '_nin'}({lc}, {rc})"
        members = self.m.const(frozenset(values), "S")
        temp = self.m.new_temp()
        if is_in:
            hit, miss = f"{temp} in {members}", "False"
        else:
            hit, miss = f"{temp} not in {members}", "True"
        test = f"({hit} if type({temp}) in _SCALAR else {miss})"
        return f"(None if ({temp} := {lc}) is None else {test})"


class _NoValue:
    """Marks "not a compile-time constant", distinct from the constant None."""


_NO = _NoValue()


def _constant(node: ast.expr) -> Any:
    """Return a literal's value (numbers may carry a minus), else the ``_NO`` marker."""
    if isinstance(node, ast.Constant):
        return node.value
    if (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)
            and isinstance(node.operand, ast.Constant)
            and isinstance(node.operand.value, int | float)
            and not isinstance(node.operand.value, bool)):
        return -node.operand.value
    return _NO


def field_local(fields: dict[str, str], name: str) -> str:
    """Return the local holding event field ``name``, allocating one if new."""
    local = fields.get(name)
    if local is None:
        local = fields[name] = f"_e{len(fields)}"
    return local


def _literal(node: ast.expr) -> Any:
    if isinstance(node, ast.UnaryOp):
        value = _constant(node)
        assert value is not _NO
        return value
    assert isinstance(node, ast.Constant)
    return node.value


def compile_program(ruleset: RuleSet) -> Program:
    """Compile ``ruleset`` into a :class:`Program` (one handler per event type)."""
    from marketguard.risk.codegen import build_module

    module = _Module(ruleset)
    source, plans = build_module(module, ruleset)
    code = compile(source, f"<rules {ruleset.version}>", "exec")
    reads = {rule.name: rule_features(rule, ruleset) for rule in ruleset.rules}
    return Program(
        ruleset=ruleset,
        source=source,
        code=code,
        constants=module.constants,
        plans=plans,
        rule_reads=reads,
    )


__all__ = ["FeatureDef", "Program", "TypePlan", "compile_expression", "compile_program"]


def compile_expression(
    text: str, lists: dict[str, tuple[Any, ...]] | None = None
) -> Any:
    """Compile a stand-alone expression over event fields and lists.

    Returns ``evaluate(event: dict) -> value``. Used by tests and by analysts
    trying an expression; it goes through the same parse, validate and compile
    stages as a rule's ``when`` (features are not available here).
    """
    from marketguard.risk.model import RuleSetError
    from marketguard.risk.parser import parse_expression
    from marketguard.risk.runtime import HELPERS
    from marketguard.risk.validator import ExpressionChecker

    expr, error = parse_expression(text)
    if expr is None:
        raise RuleSetError([f"expression {error}"])
    problems = ExpressionChecker(expr, "expression", set(), in_where=True).run()
    if problems:
        raise RuleSetError(problems)
    ruleset = RuleSet(version="", lists=dict(lists or {}), features=(), rules=())
    module = _Module(ruleset)
    fields: dict[str, str] = {}
    body = _ExprGen(module, in_where=True, fields=fields).gen(expr.tree.body)
    loads = "".join(
        f"    {local} = _g({module.const(name, 'K')})\n" for name, local in fields.items()
    )
    source = f"def _e(ev):\n    _g = ev.get\n{loads}    return {body}\n"
    namespace: dict[str, Any] = {"__builtins__": {"type": type, "str": str}}
    namespace.update(HELPERS)
    namespace.update(module.constants)
    exec(compile(source, "<expression>", "exec"), namespace)  # our templates only
    return namespace["_e"]
