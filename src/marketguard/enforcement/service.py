"""Enforcement's public functions: what the scanner, notices and reports call.

The work is in :mod:`.listings` (takedowns) and :mod:`.sellers` (strikes,
suspension, store closure); this module is the one door other domains use, plus
the aggregate figures the transparency report reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from marketguard.enforcement.listings import reinstate_listing, restrict_listing
from marketguard.enforcement.models import Statement, Strike
from marketguard.enforcement.sellers import (
    Standing,
    active_strikes,
    add_strike,
    close_store,
    expire_suspensions,
    lift_suspension,
    remove_strikes,
    reopen_store,
    standing,
    suspend_seller,
)
from marketguard.enforcement.statements import describe, load, query, visible

__all__ = [
    "Standing",
    "TakedownFigures",
    "active_strikes",
    "add_strike",
    "close_store",
    "describe",
    "expire_suspensions",
    "get_statement",
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
    """Count takedowns (proactive vs on notice), reinstatements and closures in [start, end)."""
    in_period = (Statement.created_at >= start, Statement.created_at < end)
    rows = session.execute(
        select(
            Statement.source,
            func.count(),
            func.sum(case((Statement.before_first_sale.is_(True), 1), else_=0)),
        )
        .where(Statement.scope == "listing", Statement.action.in_(TAKEDOWN_ACTIONS))
        .where(*in_period)
        .group_by(Statement.source)
    ).all()
    proactive = reactive = before_sale = 0
    for source, count, before in rows:
        if source in REACTIVE_SOURCES:
            reactive += int(count)
        else:
            proactive += int(count)
            before_sale += int(before or 0)
    reinstated = session.scalar(
        select(func.count())
        .where(Statement.scope == "listing", Statement.status == "reversed")
        .where(Statement.reversed_at >= start, Statement.reversed_at < end)
    )
    by_scope = dict(
        session.execute(
            select(Statement.scope, func.count())
            .where(Statement.scope.in_(("store", "seller")), *in_period)
            .group_by(Statement.scope)
        ).all()
    )
    strikes_added = session.scalar(
        select(func.count()).where(Strike.created_at >= start, Strike.created_at < end)
    )
    strikes_removed = session.scalar(
        select(func.count()).where(Strike.removed_at >= start, Strike.removed_at < end)
    )
    return TakedownFigures(
        proactive=proactive,
        reactive=reactive,
        proactive_before_first_sale=before_sale,
        reinstated=int(reinstated or 0),
        stores_closed=int(by_scope.get("store", 0)),
        sellers_suspended=int(by_scope.get("seller", 0)),
        strikes_added=int(strikes_added or 0),
        strikes_removed=int(strikes_removed or 0),
    )

