"""Rule-set versions: upload, activate, shadow, and decide with both.

The active version decides; a shadow version is evaluated on the same events
with its own feature state and only its disagreements are recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from marketguard.audit import service as audit
from marketguard.auth.roles import Principal
from marketguard.errors import Conflict, InvalidInput, NotFound
from marketguard.risk.model import ACTIONS, RuleSet
from marketguard.risk.models import RuleSetVersion, ShadowStats
from marketguard.risk.validator import loads_rules
from marketguard.timeutil import utcnow
from marketguard.uow import on_commit

_parsed: dict[str, RuleSet] = {}
_STRENGTH = {action: index for index, action in enumerate(ACTIONS)}
_generation = 0


def generation() -> int:
    """Return a number that changes whenever this process commits a state change."""
    return _generation


def _rules_changed() -> None:
    global _generation
    _generation += 1


class ShadowCounts(NamedTuple):
    """Events a shadow version saw beside the active one, and how it disagreed."""

    events: int
    stricter: int
    looser: int

    def plus(self, other: ShadowCounts) -> ShadowCounts:
        """Both counts added up (``+`` on a tuple would concatenate)."""
        return ShadowCounts(*(a + b for a, b in zip(self, other, strict=True)))


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
    on_commit(session, _rules_changed)
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


def live_versions(session: Session) -> tuple[RuleSet | None, RuleSet | None]:
    """Return the active rule set and the shadow one; either may be missing."""
    rows = {
        row.state: row
        for row in session.scalars(
            select(RuleSetVersion).where(RuleSetVersion.state.in_(("active", "shadow")))
        )
    }
    active, shadow = rows.get("active"), rows.get("shadow")
    return (
        ruleset_of(active) if active is not None else None,
        ruleset_of(shadow) if shadow is not None else None,
    )


NO_ACTIVE = (
    "no active risk rule set: upload one (POST /api/v1/risk/rulesets or "
    "`marketguard risk publish --rules FILE`) and activate it"
)


def current(session: Session) -> tuple[RuleSet, RuleSet | None]:
    """Return the active rule set and the shadow one, if any."""
    active, shadow = live_versions(session)
    if active is None:
        raise Conflict(NO_ACTIVE)
    return active, shadow


def compare(
    decisions: Sequence[dict[str, Any]], candidate: Sequence[dict[str, Any]]
) -> ShadowCounts:
    """Count how the candidate's actions differ from the active ones, event by event."""
    stricter = looser = 0
    for mine, theirs in zip(decisions, candidate, strict=True):
        if "error" in mine or "error" in theirs or mine["action"] == theirs["action"]:
            continue
        if _STRENGTH[theirs["action"]] > _STRENGTH[mine["action"]]:
            stricter += 1
        else:
            looser += 1
    return ShadowCounts(len(decisions), stricter, looser)


def add_shadow_counts(session: Session, active: str, shadow: str, counts: ShadowCounts) -> None:
    """Add to the stored disagreement counts of a pair, in one atomic upsert.

    An upsert (not read-then-write) so that API processes adding at the same
    moment neither lose counts nor collide inserting the pair's first row.
    """
    values = {
        "active_version": active,
        "shadow_version": shadow,
        "events": counts.events,
        "disagreements": counts.stricter + counts.looser,
        "stricter": counts.stricter,
        "looser": counts.looser,
    }
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(ShadowStats).values(**values)
    table = ShadowStats.__table__.c
    statement = statement.on_conflict_do_update(
        index_elements=[table.active_version, table.shadow_version],
        set_={
            name: getattr(table, name) + getattr(statement.excluded, name)
            for name in ("events", "disagreements", "stricter", "looser")
        },
    )
    session.execute(statement)


def versions(session: Session) -> list[RuleSetVersion]:
    """Every stored version, newest first."""
    return list(
        session.scalars(select(RuleSetVersion).order_by(RuleSetVersion.uploaded_at.desc()))
    )


def shadow_report(session: Session) -> list[ShadowStats]:
    return list(session.scalars(select(ShadowStats).order_by(ShadowStats.active_version)))
