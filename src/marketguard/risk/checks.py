"""Value checks for the top level, the lists and the rules of a draft.

Why apart from :mod:`validator`: these are plain value checks (types, ranges,
names), while the validator proper walks expression trees; keeping them apart
keeps both modules short and each message easy to find.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from marketguard.risk.model import ACTIONS, ENRICHMENTS, MODES, RuleDef
from marketguard.risk.parser import Draft

ListValue = tuple[str | int | float, ...]


def check_top(draft: Draft) -> list[str]:
    """Check ``version``, ``enrich`` and ``ip_countries``."""
    problems: list[str] = []
    version = draft.raw_version
    if not draft.has_version:
        problems.append("missing 'version: 1'")
    elif type(version) is not int or version != 1:
        problems.append(f"unsupported version {version!r} (this engine reads version: 1)")
    enrich = draft.enrich
    if enrich is not None:
        if not isinstance(enrich, list):
            problems.append(f"'enrich' must be a list drawn from {', '.join(ENRICHMENTS)}")
        else:
            for item in enrich:
                if item not in ENRICHMENTS:
                    problems.append(
                        f"unknown enrichment {item!r} (available: {', '.join(ENRICHMENTS)})"
                    )
    countries = draft.ip_countries
    if countries is not None:
        if not isinstance(countries, dict):
            problems.append("'ip_countries' must map IP prefixes (CIDR) to country codes")
        else:
            for prefix, country in countries.items():
                try:
                    ipaddress.ip_network(str(prefix), strict=False)
                except ValueError:
                    problems.append(
                        f"ip_countries: {prefix!r} is not an IP prefix like 203.0.113.0/24"
                    )
                if not (isinstance(country, str) and len(country) == 2):
                    problems.append(
                        f"ip_countries: {prefix!r} must map to a two-letter country code"
                    )
    return problems


def check_lists(draft: Draft, problems: list[str]) -> dict[str, ListValue]:
    """Check that every list holds only numbers and strings; return the good ones."""
    out: dict[str, ListValue] = {}
    for name, values in draft.lists.items():
        if not isinstance(values, list):
            problems.append(f"list {name!r}: must be a list of numbers and strings")
            continue
        good = True
        for index, value in enumerate(values, start=1):
            if type(value) is bool:
                good = False
                problems.append(
                    f"list {name!r}: item {index} is the boolean {value!r}; YAML reads unquoted "
                    "yes/no/on/off/true/false as booleans, so quote it (for example 'NO')"
                )
            elif type(value) not in (int, float, str):
                good = False
                problems.append(
                    f"list {name!r}: item {index} ({value!r}) is not a number or string"
                )
        if good:
            out[name] = tuple(values)
    return out


def check_rules(draft: Draft, features: set[str], problems: list[str]) -> list[RuleDef]:
    """Check every rule's values and its ``when``; return the good rules."""
    from marketguard.risk.validator import ExpressionChecker

    seen: set[str] = set()
    out: list[RuleDef] = []
    for rule in draft.rules:
        raw: dict[str, Any] = rule.raw
        label = rule.label
        before = len(problems)
        name = raw.get("name")
        if "name" in raw and not (isinstance(name, str) and name):
            problems.append(f"{label}: 'name' must be a non-empty string")
        elif isinstance(name, str) and name:
            if name in seen:
                problems.append(f"{label}: duplicate rule name {name!r}")
            seen.add(name)
        events = raw.get("events")
        if "events" in raw and not (
            isinstance(events, list) and all(isinstance(item, str) for item in events)
        ):
            problems.append(f"{label}: 'events' must be a list of event types")
        action = raw.get("action")
        if "action" in raw and action not in ACTIONS:
            problems.append(
                f"{label}: unknown action {action!r} (use allow, challenge, review or block)"
            )
        score = raw.get("score")
        if "score" in raw:
            if type(score) is not int:
                problems.append(f"{label}: score {score!r} must be an integer from 0 to 100")
            elif not 0 <= score <= 100:
                problems.append(f"{label}: score {score} is outside 0-100")
        mode = raw.get("mode", "active")
        if mode not in MODES:
            problems.append(f"{label}: unknown mode {mode!r} (use active or shadow)")
        description = raw.get("description")
        if description is not None and not isinstance(description, str):
            problems.append(f"{label}: 'description' must be a string")
        if rule.when is not None:
            problems.extend(ExpressionChecker(rule.when, label, features, in_where=False).run())
        if len(problems) == before and rule.when is not None and not _missing(raw):
            out.append(
                RuleDef(
                    name=raw["name"],
                    events=tuple(raw["events"]),
                    when=rule.when,
                    action=raw["action"],
                    score=raw["score"],
                    mode=mode,
                    description=description,
                )
            )
    return out


def _missing(raw: dict[str, Any]) -> bool:
    return any(key not in raw for key in ("name", "events", "when", "action", "score"))
