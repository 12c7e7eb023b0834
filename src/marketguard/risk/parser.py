"""Stage 1 of the rules language: YAML text to draft objects, keys checked.

Why a draft stage: the parser only knows the *shape* of a rules file (which keys
exist, which are required, where each expression's syntax breaks). Values are
judged by :mod:`marketguard.risk.validator`, so every problem in a file is found
in one pass and reported together.
"""

from __future__ import annotations

import ast
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from marketguard.risk.model import Expression, RuleSetError

TOP_KEYS = ("version", "lists", "features", "rules", "enrich", "ip_countries")
RULE_KEYS = ("name", "events", "when", "action", "score", "mode", "description")
RULE_REQUIRED = ("name", "events", "when", "action", "score")
FEATURE_KEYS = ("count", "sum", "distinct", "of", "by", "window", "where")


@dataclass
class FeatureDraft:
    """A feature as written: its name and raw mapping (values not yet judged)."""

    name: str
    raw: dict[str, Any]
    where: Expression | None = None


@dataclass
class RuleDraft:
    """A rule as written; ``label`` names it in messages even when unnamed."""

    label: str
    raw: dict[str, Any]
    when: Expression | None = None


@dataclass
class Draft:
    """A whole rules file as written, plus the problems found while parsing."""

    version_hash: str
    source: str
    raw_version: Any = None
    has_version: bool = False
    lists: dict[str, Any] = field(default_factory=dict)
    features: list[FeatureDraft] = field(default_factory=list)
    rules: list[RuleDraft] = field(default_factory=list)
    enrich: Any = None
    ip_countries: Any = None
    problems: list[str] = field(default_factory=list)


def content_version(text: str) -> str:
    """Return the rule-set version: a short SHA-256 of the file's exact text."""
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def parse_expression(text: str) -> tuple[Expression | None, str | None]:
    """Parse ``text`` as one Python expression; return it or a positioned reason."""
    stripped = text.lstrip(" \t")
    offset = len(text) - len(stripped)
    if not stripped.strip():
        return None, "1:1: syntax error: the expression is empty"
    try:
        tree = ast.parse(stripped, mode="eval")
    except SyntaxError as exc:
        line = exc.lineno or 1
        col = (exc.offset or 1) + (offset if line == 1 else 0)
        msg = exc.msg.replace("'(' was never closed", "a '(' is never closed")
        return None, f"{line}:{col}: syntax error: {msg}"
    except ValueError as exc:  # e.g. NUL bytes in the text
        return None, f"1:1: syntax error: {exc}"
    return Expression(source=stripped, tree=tree, offset=offset), None


def parse_rules(text: str, source: str = "rules") -> Draft:
    """Parse a rules file's text into a :class:`Draft` (problems collected inside)."""
    draft = Draft(version_hash=content_version(text), source=source)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        reason = getattr(exc, "problem", None) or str(exc)
        draft.problems.append(f"not valid YAML{where}: {reason}")
        return draft
    if not isinstance(data, dict):
        draft.problems.append("the file must be a mapping with version, features and rules")
        return draft
    for key in data:
        if key not in TOP_KEYS:
            draft.problems.append(
                f"unknown top-level key {key!r} (expected one of {', '.join(TOP_KEYS)})"
            )
    draft.has_version = "version" in data
    draft.raw_version = data.get("version")
    _parse_lists(data.get("lists"), draft)
    _parse_features(data.get("features"), draft)
    _parse_rules(data.get("rules"), draft)
    draft.enrich = data.get("enrich")
    draft.ip_countries = data.get("ip_countries")
    return draft


def _parse_lists(raw: Any, draft: Draft) -> None:
    if raw is None:
        return
    if not isinstance(raw, dict):
        draft.problems.append("'lists' must be a mapping of list name to a list of values")
        return
    for name, values in raw.items():
        if not isinstance(name, str):
            draft.problems.append(f"list name {name!r} must be a string")
            continue
        draft.lists[name] = values


def _parse_features(raw: Any, draft: Draft) -> None:
    if raw is None:
        return
    if not isinstance(raw, dict):
        draft.problems.append("'features' must be a mapping of feature name to definition")
        return
    for name, spec in raw.items():
        if not isinstance(name, str):
            draft.problems.append(f"feature name {name!r} must be a string")
            continue
        if not isinstance(spec, dict):
            draft.problems.append(f"feature {name!r}: the definition must be a mapping")
            continue
        has_aggregation = any(key in spec for key in ("count", "sum", "distinct"))
        for key in spec:
            if key in FEATURE_KEYS:
                continue
            if has_aggregation:
                draft.problems.append(f"feature {name!r}: unknown key {key!r}")
            else:
                draft.problems.append(
                    f"feature {name!r}: unknown aggregation {key!r} (use count, sum or distinct)"
                )
        feat = FeatureDraft(name=name, raw=spec)
        where = spec.get("where")
        if where is not None:
            if not isinstance(where, str):
                draft.problems.append(f"feature {name!r}: 'where' must be a string")
            else:
                feat.where, err = parse_expression(where)
                if err:
                    draft.problems.append(f"feature {name!r}: where {err}")
        draft.features.append(feat)


def _parse_rules(raw: Any, draft: Draft) -> None:
    if raw is None:
        return
    if not isinstance(raw, list):
        draft.problems.append("'rules' must be a list of rules")
        return
    for index, spec in enumerate(raw, start=1):
        if not isinstance(spec, dict):
            draft.problems.append(f"rule #{index}: must be a mapping")
            continue
        name = spec.get("name")
        label = f"rule {name!r}" if isinstance(name, str) else f"rule #{index}"
        for key in spec:
            if key not in RULE_KEYS:
                draft.problems.append(f"{label}: unknown key {key!r}")
        for key in RULE_REQUIRED:
            if key not in spec:
                draft.problems.append(f"{label}: missing {key!r}")
        rule = RuleDraft(label=label, raw=spec)
        when = spec.get("when")
        if "when" in spec:
            if not isinstance(when, str):
                draft.problems.append(f"{label}: 'when' must be a string")
            else:
                rule.when, err = parse_expression(when)
                if err:
                    draft.problems.append(f"{label}: when {err}")
        draft.rules.append(rule)


def read_rules_text(path: str | Path) -> str:
    """Read a rules file as UTF-8, turning I/O trouble into a RuleSetError."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RuleSetError([f"no such rules file: {path}"], source=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleSetError([f"cannot read rules file: {exc}"], source=str(path)) from None
