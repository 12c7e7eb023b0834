"""Enforcement's public functions: what the scanner, notices and reports call.

The work is in :mod:`.listings` (takedowns) and :mod:`.sellers` (strikes,
suspension, store closure); this module is the one door other domains use, plus
the aggregate figures the transparency report reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from marketguard.enforcement.listings import reinstate_listing, restrict_listing
from marketguard.enforcement.models import Statement, Strike
from marketguard.enforcement.sellers import (
    Standing,
    active_strikes,
    add_strike,
    close_store,
    remove_strikes,
    reopen_store,
    standing,
)
from marketguard.enforcement.statements import describe, issued_by, load, query, visible
from marketguard.enforcement.suspensions import (
    expire_suspensions,
    lift_suspension,
    suspend_seller,
)

__all__ = [
    "Standing",
    "TakedownFigures",
    "active_strikes",
    "add_strike",
    "close_store",
    "describe",
    "expire_suspensions",
    "get_statement",
    "issued_by",
    "iter_statements",
    "lift_suspension",
    "load",
    "query",
    "reinstate_listing",
    "remove_strikes",
    "reopen_store",
    "restrict_listing",
    "standing",
    "statement_for_listing",
    "strike_counts",
    "suspend_seller",
    "takedown_figures",
    "visible",
]

TAKEDOWN_ACTIONS = ("block", "remove", "disable")
REACTIVE_SOURCES = ("notice",)


def strike_counts(session: Session, *, seller_ids: set[str], now: datetime) -> dict[str, int]:
    """Count active strikes for many sellers at once (for triage)."""
    counts: dict[str, int] = {}
    ordered = sorted(seller_ids)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        rows = session.execute(
            select(Strike.seller_id, func.count())
            .where(Strike.seller_id.in_(chunk), Strike.removed_at.is_(None))
            .where(Strike.expires_at > now)
            .group_by(Strike.seller_id)
        )
        counts.update({row[0]: int(row[1]) for row in rows})
    return counts


def iter_statements(
    session: Session, *, since: datetime, until: datetime | None = None, batch: int = 1000
) -> Iterator[Statement]:
    """Yield statements created in [since, until) in creation order, a batch at a time."""
    stmt = select(Statement).where(Statement.created_at >= since)
    if until is not None:
        stmt = stmt.where(Statement.created_at < until)
    stmt = stmt.order_by(Statement.created_at, Statement.id).execution_options(yield_per=batch)
    yield from session.scalars(stmt)


def get_statement(session: Session, *, statement_id: str) -> Statement:
    """Return a statement by id (no scope check: for services)."""
    return load(session, statement_id)


def statement_for_listing(session: Session, *, listing_id: str) -> Statement | None:
    """Return the newest active takedown of a listing (what a seller appeals), if any."""
    stmt = (
        select(Statement)
        .where(Statement.listing_id == listing_id, Statement.status == "active")
        .where(Statement.scope == "listing")
        .order_by(Statement.created_at.desc(), Statement.id.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


@dataclass(frozen=True)
class TakedownFigures:
    """Enforcement figures for one period, as the transparency report shows them."""

    proactive: int
    reactive: int
    proactive_before_first_sale: int
    reinstated: int
    stores_closed: int
    sellers_suspended: int
    strikes_added: int
    strikes_removed: int


def takedown_figures(session: Session, *, start: datetime, end: datetime) -> TakedownFigures:
    """Count takedowns (proactive vs on notice), reinstatements and closures in [start, end).

    One pass over the statements of the period (and one over strikes), so a report
    over a million statements reads each row once.
    """
    def count(condition: Any) -> Any:
        return func.sum(case((condition, 1), else_=0))

    created = and_(Statement.created_at >= start, Statement.created_at < end)
    lifted = and_(Statement.reversed_at >= start, Statement.reversed_at < end)
    takedown = and_(created, Statement.scope == "listing", Statement.action.in_(TAKEDOWN_ACTIONS))
    rows = session.execute(
        select(
            Statement.source,
            count(takedown),
            count(and_(takedown, Statement.before_first_sale.is_(True))),
            count(and_(lifted, Statement.scope == "listing", Statement.status == "reversed")),
            count(and_(created, Statement.scope == "store")),
            count(and_(created, Statement.scope == "seller")),
        )
        .where(or_(created, lifted))
        .group_by(Statement.source)
    ).all()
    proactive = reactive = before_sale = reinstated = closed = suspended = 0
    for source, takedowns, before, lifted_count, stores, sellers in rows:
        if source in REACTIVE_SOURCES:
            reactive += int(takedowns or 0)
        else:
            proactive += int(takedowns or 0)
            before_sale += int(before or 0)
        reinstated += int(lifted_count or 0)
        closed += int(stores or 0)
        suspended += int(sellers or 0)
    added, removed = session.execute(
        select(
            count(and_(Strike.created_at >= start, Strike.created_at < end)),
            count(and_(Strike.removed_at >= start, Strike.removed_at < end)),
        ).where(or_(and_(Strike.created_at >= start, Strike.created_at < end),
                    and_(Strike.removed_at >= start, Strike.removed_at < end)))
    ).one()
    return TakedownFigures(
        proactive=proactive,
        reactive=reactive,
        proactive_before_first_sale=before_sale,
        reinstated=reinstated,
        stores_closed=closed,
        sellers_suspended=suspended,
        strikes_added=int(added or 0),
        strikes_removed=int(removed or 0),
    )
