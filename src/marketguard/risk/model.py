"""Typed rule-set objects shared by the parser, validator, compiler and engine.

Why a separate module: the three stages of the rules language (parse, validate,
compile) exchange these plain frozen objects, so each stage can be tested alone
and none reaches into another's internals.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from marketguard.errors import InvalidInput

ACTIONS: tuple[str, ...] = ("allow", "challenge", "review", "block")
"""Actions from weakest to strongest; the index is the strength."""

AGGREGATIONS: tuple[str, ...] = ("count", "sum", "distinct")
MODES: tuple[str, ...] = ("active", "shadow")
ENRICHMENTS: tuple[str, ...] = ("first_seen", "travel", "address")
LATE_NS = 600 * 1_000_000_000
"""An event more than this far behind the watermark (the latest processed time) is late."""
MAX_CLOCK_LEAD_NS = 300 * 1_000_000_000
"""Default: an event more than 5 minutes ahead of the reference clock is refused."""
MAX_WATERMARK_STEP_NS = 86_400 * 1_000_000_000
"""Default: one accepted event moves the watermark forward by at most a day."""


@dataclass(frozen=True)
class TimeLimits:
    """How far an event's ``ts`` may lead the clock, and how far one event moves the watermark.

    Why: without them one event stamped 9999-12-31 became the latest processed
    time and every later event was refused as late. An event more than
    ``max_lead_ns`` ahead of the reference clock (the wall clock, or on the
    stream the message's own time) is refused; an accepted event moves the
    watermark to ``max(watermark, min(ts, watermark + max_step_ns))``.
    """

    max_lead_ns: int = MAX_CLOCK_LEAD_NS
    max_step_ns: int = MAX_WATERMARK_STEP_NS

    def __post_init__(self) -> None:
        if self.max_lead_ns < 0:
            raise ValueError("the clock lead must not be negative")
        if self.max_step_ns <= 0:
            raise ValueError("the watermark step must be positive")


def format_duration(ns: int) -> str:
    """Return a duration in the window syntax (``5m``, ``1d``), or seconds when fractional."""
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)):
        if ns and ns % (size * 1_000_000_000) == 0:
            return f"{ns // (size * 1_000_000_000)}{unit}"
    return f"{ns / 1_000_000_000:g}s"


class RuleSetError(InvalidInput):
    """A rules file cannot be loaded; ``problems`` lists every reason, one a line."""

    title = "Invalid rule set"
    type_slug = "invalid-rule-set"

    def __init__(self, problems: list[str], source: str = "rules") -> None:
        self.problems = list(problems)
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        summary = "; ".join(self.problems)
        super().__init__(f"{source}: {count} {noun}: {summary}", problems=self.problems)


@dataclass(frozen=True)
class Expression:
    """A parsed ``when``/``where`` expression: its source text and Python AST."""

    source: str
    tree: ast.Expression
    offset: int = 0
    """Characters stripped from the start of line 1 (leading blanks)."""


@dataclass(frozen=True)
class FeatureDef:
    """One sliding-window feature: ``kind`` of ``event_type`` events keyed ``by``."""

    name: str
    kind: str
    event_type: str
    field: str | None
    by: str
    window_ns: int
    window: str
    where: Expression | None = None

    @property
    def signature(self) -> str:
        """Everything that shapes the feature's state: equal signatures can share it."""
        where = self.where.source if self.where else ""
        parts = [self.name, self.kind, self.event_type, self.field or "", self.by, where]
        return "|".join([*parts, str(self.window_ns)])


@dataclass(frozen=True)
class RuleDef:
    """One rule: applies to ``events`` types and matches when ``when`` is truthy."""

    name: str
    events: tuple[str, ...]
    when: Expression
    action: str
    score: int
    mode: str = "active"
    description: str | None = None


@dataclass(frozen=True)
class RuleSet:
    """A validated rules file; ``version`` is a content hash of its text."""

    version: str
    lists: dict[str, tuple[str | int | float, ...]]
    features: tuple[FeatureDef, ...]
    rules: tuple[RuleDef, ...]
    enrich: tuple[str, ...] = ()
    ip_countries: dict[str, str] = field(default_factory=dict)
    source: str = "rules"

    def feature(self, name: str) -> FeatureDef | None:
        """Return the feature called ``name``, if any."""
        for feat in self.features:
            if feat.name == name:
                return feat
        return None
