"""Backtests: replay a file of events through the rules and summarise.

Why a summary and not only decisions: an analyst shipping a rule needs to know
how often each rule fires, how the action mix moves, what shadow rules would
change if promoted, how a candidate rule set disagrees with the active one and,
where events carry a ``label``, each rule's precision and recall.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson

from marketguard.errors import InvalidInput
from marketguard.risk.engine import Decision, Engine, fixed_clock, wall_clock
from marketguard.risk.model import ACTIONS, RuleSet, TimeLimits

_POSITIVE = {"fraud", "bad", "positive", "true", "1", "yes", "malicious"}
_NEGATIVE = {"legit", "good", "negative", "false", "0", "no", "benign"}


class RawLine:
    """A line that did not decode to a JSON object; the engine explains why."""

    __slots__ = ("raw",)

    def __init__(self, raw: bytes) -> None:
        self.raw = raw


def label_positive(value: Any) -> bool | None:
    """Read an event's ``label``: True for fraud, False for legit, None when unlabeled."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _POSITIVE:
            return True
        if text in _NEGATIVE:
            return False
    return None


def is_parquet(path: Path) -> bool:
    """True for a Parquet events file (by its suffix)."""
    return path.suffix.lower() in (".parquet", ".pq")


def read_events(path: Path) -> Iterator[tuple[int, Any]]:
    """Return the ``(line, event)`` pairs of JSONL or Parquet; blank lines are skipped.

    A missing file is reported at once. Returning the reader rather than
    yielding from it spares every event one generator hop.
    """
    if not path.exists():
        raise InvalidInput(f"no such events file: {path}")
    if is_parquet(path):
        return _read_parquet(path)
    return _read_jsonl(path)


def _read_jsonl(path: Path) -> Iterator[tuple[int, Any]]:
    loads = orjson.loads
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                event = loads(raw)
            except orjson.JSONDecodeError:
                if raw.strip():
                    yield number, RawLine(raw)
                continue
            yield number, event if type(event) is dict else RawLine(raw)


def _read_parquet(path: Path) -> Iterator[tuple[int, Any]]:
    import polars as pl

    try:
        frame = pl.read_parquet(path)
    except Exception as exc:  # polars raises many kinds for a bad file
        raise InvalidInput(f"cannot read Parquet file {path}: {exc}") from None
    for number, row in enumerate(frame.iter_rows(named=True), start=1):
        for key, value in row.items():
            if isinstance(value, datetime):
                moment = value if value.tzinfo else value.replace(tzinfo=UTC)
                row[key] = moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
            elif isinstance(value, date):
                row[key] = value.isoformat()
        yield number, row


def decide_item(engine: Engine, number: int, event: Any) -> Decision:
    """Decide an item of :func:`read_events` (an event, or a line that is not one)."""
    if isinstance(event, RawLine):
        found = engine.decide_line(event.raw, number)
        assert found is not None
        return found
    return engine.decide(event, number)


class Tally:
    """Counts for one rule set over a backtest.

    Why a Counter of outcomes: a backtest sees millions of events but few distinct
    (action, rules, shadow rules, label) combinations, so each event costs one
    dictionary increment and the per-rule figures are expanded at the end.
    """

    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset
        self.outcomes: Counter[tuple[str, tuple[str, ...], tuple[str, ...], bool | None]] = (
            Counter()
        )
        self.verdicts: dict[tuple[Any, int, bool | None], int] = {}
        """Events counted by :func:`count_events` as (runner, mask, label), not yet folded."""
        self.errors = 0

    def add(self, decision: Decision, label: bool | None) -> None:
        if "error" in decision:
            self.errors += 1
            return
        key = (decision["action"], tuple(decision["rules"]), tuple(decision["shadow_rules"]),
               label)
        self.outcomes[key] += 1

    def settle(self) -> None:
        """Fold the counted verdicts into :attr:`outcomes`.

        Why later: a mask says which rules matched; turning it into rule names
        once per distinct mask rather than once per event is what makes
        summary-only backtests cheap. Outcomes are plain data (they cross
        processes), runners are not.
        """
        for (runner, mask, label), count in self.verdicts.items():
            if mask:
                action, _, active, shadow = runner.outcome(mask)
                self.outcomes[(action, active, shadow, label)] += count
            else:
                self.outcomes[("allow", (), (), label)] += count
        self.verdicts.clear()

    def summary(self, positives: int) -> dict[str, Any]:
        self.settle()
        actions: Counter[str] = Counter()
        promoted_mix: Counter[str] = Counter()
        hits: Counter[str] = Counter()
        labeled_hits: Counter[str] = Counter()
        true_hits: Counter[str] = Counter()
        rule_action = {rule.name: rule.action for rule in self.ruleset.rules}
        shadow_events = shadow_changes = 0
        for (action, active, shadow, label), count in self.outcomes.items():
            actions[action] += count
            for name in active + shadow:
                hits[name] += count
                if label is not None:
                    labeled_hits[name] += count
                    true_hits[name] += count * label
            promoted = max((action, *(rule_action[name] for name in shadow)), key=ACTIONS.index)
            promoted_mix[promoted] += count
            if shadow:
                shadow_events += count
                shadow_changes += count * (promoted != action)
        rules = []
        for rule in self.ruleset.rules:
            labeled = labeled_hits[rule.name]
            true = true_hits[rule.name]
            rules.append({
                "name": rule.name,
                "mode": rule.mode,
                "action": rule.action,
                "hits": hits[rule.name],
                "labeled_hits": labeled,
                "true_positives": true,
                "precision": true / labeled if labeled else None,
                "recall": true / positives if positives else None,
            })
        return {
            "rules_version": self.ruleset.version,
            "errors": self.errors,
            "actions": {action: actions[action] for action in ACTIONS},
            "rules": rules,
            "shadow": {
                "events_with_shadow_hits": shadow_events,
                "action_changes_if_promoted": shadow_changes,
                "actions_if_promoted": {action: promoted_mix[action] for action in ACTIONS},
            },
        }


def count_events(
    engine: Engine, tally: Tally, items: Iterable[tuple[int, Any]]
) -> tuple[int, int, int]:
    """Decide ``items`` into ``tally`` without building decisions; return the counts.

    Why: a backtest without ``--out`` needs only how often each outcome
    occurred, so each event costs a rule-mask count instead of a decision
    dictionary and a tuple of rule names. Returns ``(events, labeled,
    positives)``; the summary is the same as from deciding every event.
    """
    judge, verdicts = engine.judge, tally.verdicts
    total = labeled = positives = 0
    for number, event in items:
        total += 1
        label = None
        if type(event) is dict:
            label = event.get("label")
            if label is not None:
                label = label_positive(label)
                if label is not None:
                    labeled += 1
                    positives += label
            verdict = judge(event, number)
        else:
            verdict = decide_item(engine, number, event)
        if type(verdict) is tuple:
            key = (verdict[0], verdict[1], label)
            verdicts[key] = verdicts.get(key, 0) + 1
        else:
            tally.errors += 1
    return total, labeled, positives


def ordered(transitions: Counter[str]) -> dict[str, int]:
    """Transitions by count, then name (the same order however they were counted)."""
    return dict(sorted(transitions.items(), key=lambda item: (-item[1], item[0])))


def run_backtest(
    ruleset: RuleSet,
    path: Path,
    *,
    out: Path | None,
    candidate: RuleSet | None,
    now: int | None = None,
    limits: TimeLimits | None = None,
) -> dict[str, Any]:
    """Replay ``path`` through ``ruleset`` (and ``candidate``) and return the summary.

    Events are judged "ahead" against ``now`` (ns; default: the wall clock, read once).
    """
    clock = fixed_clock(wall_clock() if now is None else now)
    engine = Engine(ruleset, clock=clock, limits=limits)
    tally = Tally(ruleset)
    other_tally = Tally(candidate) if candidate is not None else None
    transitions: Counter[str] = Counter()
    started = time.perf_counter()
    if out is None and candidate is None:
        total, labeled, positives = count_events(engine, tally, read_events(path))
    else:
        other = Engine(candidate, clock=clock, limits=limits) if candidate is not None else None
        total, labeled, positives = _decide_events(
            engine, tally, path, out=out, other=other,
            other_tally=other_tally, transitions=transitions,
        )
    elapsed = time.perf_counter() - started
    summary = tally.summary(positives)
    summary.update({
        "events": total,
        "elapsed_s": round(elapsed, 3),
        "events_per_s": round(total / elapsed) if elapsed > 0 else None,
        "labels": {"labeled": labeled, "positives": positives},
        "candidate": None,
    })
    if other_tally is not None:
        theirs_summary = other_tally.summary(positives)
        theirs_summary["disagreements"] = sum(transitions.values())
        theirs_summary["transitions"] = ordered(transitions)
        summary["candidate"] = theirs_summary
    return summary


def _decide_events(
    engine: Engine,
    tally: Tally,
    path: Path,
    *,
    out: Path | None,
    other: Engine | None,
    other_tally: Tally | None,
    transitions: Counter[str],
) -> tuple[int, int, int]:
    """Decide every event (writing decisions to ``out``, comparing with ``other``).

    Returns ``(events, labeled, positives)`` as :func:`count_events` does.
    """
    labeled = positives = total = 0
    buffer: list[bytes] = []
    try:
        sink = out.open("wb") if out is not None else None
    except OSError as exc:
        raise InvalidInput(f"cannot write {out}: {exc.strerror or exc}") from None
    decide, add, dumps = engine.decide, tally.add, orjson.dumps
    try:
        for number, event in read_events(path):
            total += 1
            if type(event) is dict:
                label = label_positive(event.get("label"))
                decision = decide(event, number)
            else:
                label = None
                decision = decide_item(engine, number, event)
            if label is not None:
                labeled += 1
                positives += label
            add(decision, label)
            if sink is not None:
                buffer.append(dumps(decision))
                if len(buffer) >= 4096:
                    sink.write(b"\n".join(buffer) + b"\n")
                    buffer.clear()
            if other is not None and other_tally is not None:
                theirs = decide_item(other, number, event)
                other_tally.add(theirs, label)
                mine = decision.get("action", "error")
                new = theirs.get("action", "error")
                if mine != new:
                    transitions[f"{mine}->{new}"] += 1
        if sink is not None and buffer:
            sink.write(b"\n".join(buffer) + b"\n")
    finally:
        if sink is not None:
            sink.close()
    return total, labeled, positives
