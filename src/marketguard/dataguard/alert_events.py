"""Turn access-log rows into risk events (FORMATS §4), so the rules language watches staff.

Why events and not bespoke checks: the same rules, backtests and shadow mode
that watch buyers then watch reads of level-3/4 data, and an operator tunes
alerts with the tools they already know (docs/data-protection.md, "Alerts").
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from marketguard.dataguard.access import SENSITIVE
from marketguard.dataguard.datasets import DATASETS
from marketguard.dataguard.models import DataAccessLog, DataGrant
from marketguard.timeutil import format_rfc3339

EVENT_TYPES = {"read": "data.read", "export": "data.export"}


def fields_level(dataset: str, fields: Iterable[str]) -> int:
    """Return the highest level of the named fields of a dataset (3 when unknown)."""
    found = DATASETS.get(dataset)
    levels = []
    for path in fields:
        classification = found.classify(path) if found is not None else None
        levels.append(int(classification.level) if classification is not None else SENSITIVE)
    return max(levels, default=int(SENSITIVE))


def _same_purpose(declared: str | None, granted: str | None) -> bool | None:
    if declared is None or granted is None:
        return None
    return declared.strip().casefold() == granted.strip().casefold()


def to_event(row: DataAccessLog, grant: DataGrant | None) -> dict[str, Any]:
    """Return the risk event of one access-log row (``grant``: the grant it was read under)."""
    expires_in: int | None = None
    if grant is not None:
        expires_in = int((grant.expires_at - row.at).total_seconds())
    level = row.level if row.level is not None else fields_level(row.dataset, row.fields)
    return {
        "event_id": row.id,
        "type": EVENT_TYPES.get(row.kind, f"data.{row.kind}"),
        "ts": format_rfc3339(row.at),
        "actor": row.actor,
        "dataset": row.dataset,
        "level": level,
        "rows": row.rows,
        "fields": len(row.fields),
        "grant_id": row.grant_id,
        "purpose": row.purpose,
        "grant_expires_in_s": expires_in,
        "purpose_declared": row.purpose_declared,
        "purpose_matches": _same_purpose(
            row.purpose_declared, grant.purpose if grant is not None else None
        ),
    }


def log_rows(
    session: Session, stmt: Select[Any], *, batch: int = 1000
) -> Iterator[tuple[DataAccessLog, DataGrant | None]]:
    """Yield ``(row, grant)`` for the log rows ``stmt`` selects, in log order, batch by batch."""
    last = 0
    while True:
        page = session.execute(
            stmt.add_columns(DataGrant)
            .outerjoin(DataGrant, DataGrant.id == DataAccessLog.grant_id)
            .where(DataAccessLog.seq > last)
            .order_by(DataAccessLog.seq)
            .limit(batch)
        ).all()
        yield from page
        if len(page) < batch:
            return
        last = page[-1][0].seq


def log_events(
    session: Session, *, since: datetime | None = None, after_seq: int = 0
) -> Iterator[dict[str, Any]]:
    """Yield the whole access log (or the part after ``since`` / ``after_seq``) as events."""
    stmt = select(DataAccessLog).where(DataAccessLog.seq > after_seq)
    if since is not None:
        stmt = stmt.where(DataAccessLog.at >= since)
    for row, grant in log_rows(session, stmt):
        yield to_event(row, grant)
