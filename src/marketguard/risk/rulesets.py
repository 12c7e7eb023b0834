"""Rule-set versions: upload, activate, shadow, and decide with both.

The active version decides; a shadow version is evaluated on the same events
with its own feature state and only its disagreements are recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from marketguard.audit import service as audit
from marketguard.auth.roles import Principal
from marketguard.errors import Conflict, InvalidInput, NotFound
from marketguard.risk.model import ACTIONS, RuleSet
from marketguard.risk.models import RuleSetVersion, ShadowStats
from marketguard.risk.service import decide_events
from marketguard.risk.validator import loads_rules
from marketguard.timeutil import utcnow

_parsed: dict[str, RuleSet] = {}


def upload(session: Session, *, actor: Principal, name: str, source: str) -> RuleSetVersion:
    """Validate and store a rules file as a draft version (the same text is one version)."""
    ruleset = loads_rules(source, source=name or "rules")
    row = session.get(RuleSetVersion, ruleset.version)
    if row is not None:
        return row
    row = RuleSetVersion(
        version=ruleset.version,
        name=name,
        source=source,
        state="draft",
        uploaded_by=actor.actor,
        uploaded_at=utcnow(),
    )
    session.add(row)
    audit.record(
        session,
        actor=actor.actor,
        action="risk.ruleset_upload",
        object_type="risk_ruleset",
        object_id=ruleset.version,
        after={"name": name, "rules": len(ruleset.rules)},
    )
    _parsed[ruleset.version] = ruleset
    return row


def set_state(
    session: Session, *, actor: Principal, version: str, state: str, reason: str = ""
) -> RuleSetVersion:
    """Make a version ``active`` (the previous one retires), ``shadow``, or ``retired``."""
    if state not in ("active", "shadow", "retired"):
        raise InvalidInput("state must be active, shadow or retired")
    row = session.get(RuleSetVersion, version)
    if row is None:
        raise NotFound(f"no rule-set version {version!r}")
    if row.state == state:
        return row
    if state in ("active", "shadow"):
        session.execute(
            update(RuleSetVersion)
            .where(RuleSetVersion.state == state, RuleSetVersion.version != version)
            .values(state="retired", state_changed_at=utcnow())
        )
    before = row.state
    row.state = state
    row.state_changed_at = utcnow()
    audit.record(
        session,
        actor=actor.actor,
        action=f"risk.ruleset_{state}",
        object_type="risk_ruleset",
        object_id=version,
        reason=reason or None,
        before={"state": before},
        after={"state": state},
    )
    return row


def ruleset_of(row: RuleSetVersion) -> RuleSet:
    """Return the compiled rule set of a stored version (parsed once per process)."""
    found = _parsed.get(row.version)
    if found is None:
        found = _parsed[row.version] = loads_rules(row.source, source=row.name)
    return found


def current(session: Session) -> tuple[RuleSet, RuleSet | None]:
    """Return the active rule set and the shadow one, if any."""
    rows = {
        row.state: row
        for row in session.scalars(
            select(RuleSetVersion).where(RuleSetVersion.state.in_(("active", "shadow")))
        )
    }
    if "active" not in rows:
        raise Conflict(
            "no active risk rule set: upload one (POST /api/v1/risk/rulesets or "
            "`marketguard risk publish --rules FILE`) and activate it"
        )
    shadow = rows.get("shadow")
    return ruleset_of(rows["active"]), ruleset_of(shadow) if shadow is not None else None


def decide_with_shadow(session: Session, events: Sequence[Any]) -> tuple[str, list[dict[str, Any]]]:
    """Decide events with the active rules; run the shadow set beside them and count."""
    active, shadow = current(session)
    decisions = decide_events(active, events)
    if shadow is not None:
        candidate = decide_events(shadow, events)
        _count(session, active.version, shadow.version, decisions, candidate)
    return active.version, decisions


def _count(
    session: Session,
    active: str,
    shadow: str,
    decisions: list[dict[str, Any]],
    candidate: list[dict[str, Any]],
) -> None:
    strength = {action: index for index, action in enumerate(ACTIONS)}
    stricter = looser = 0
    for mine, theirs in zip(decisions, candidate, strict=True):
        if "error" in mine or "error" in theirs or mine["action"] == theirs["action"]:
            continue
        if strength[theirs["action"]] > strength[mine["action"]]:
            stricter += 1
        else:
            looser += 1
    row = session.get(ShadowStats, (active, shadow))
    if row is None:
        row = ShadowStats(
            active_version=active,
            shadow_version=shadow,
            events=0,
            disagreements=0,
            stricter=0,
            looser=0,
        )
        session.add(row)
    row.events += len(decisions)
    row.disagreements += stricter + looser
    row.stricter += stricter
    row.looser += looser


def shadow_report(session: Session) -> list[ShadowStats]:
    return list(session.scalars(select(ShadowStats).order_by(ShadowStats.active_version)))
