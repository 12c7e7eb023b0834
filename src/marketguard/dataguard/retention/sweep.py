"""Delete or anonymise what is past its retention period (``marketguard data retention apply``).

Why one sweep reaching into several domains' tables: erasure must be complete
and atomic — a seller's identifiers gone from ``sellers`` but left in
``seller_identifiers`` would be no erasure at all — so every database change of a
run happens in the caller's one unit of work, with one audit record naming the
counts (never the values). Each applier touches only the personal columns its
rules declare; the records those columns belong to stay, so statements of
reasons, strikes, notices and the audit chain keep working.

Safe to run twice and from cron: each applier selects only what still holds data
past its period, so a second run finds nothing; ``dry_run`` counts the same
rows and changes nothing (no audit record either).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import String, and_, cast, delete, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from marketguard.api.models import IdempotencyRecord
from marketguard.audit import service as audit
from marketguard.auth.models import Invitation, SignInFailure
from marketguard.auth.roles import Principal
from marketguard.catalog.models import Listing, Order, Seller, SellerIdentifier
from marketguard.config import Settings
from marketguard.dataguard.retention import risk_state
from marketguard.dataguard.retention.outcome import Outcome
from marketguard.dataguard.retention.policy import RULES_BY_FIELD, RetentionPolicy, policy_from
from marketguard.enforcement.models import Statement
from marketguard.errors import InvalidInput
from marketguard.notices.models import Notice
from marketguard.timeutil import format_rfc3339, utcnow

ERASED = "[erased]"  # what an anonymised text column holds (the column is NOT NULL)
SETTLED = ("closed", "refused")
CHUNK = 500


@dataclass(frozen=True)
class Sweep:
    """What one run needs: the unit of work, the periods, the time, whether to change."""

    session: Session
    policy: RetentionPolicy
    settings: Settings
    now: datetime
    dry_run: bool

    def outcome(self, dataset: str, rule: str, rows: int, what: str = "") -> Outcome:
        found = RULES_BY_FIELD[rule]
        return Outcome(dataset=dataset, field=rule, action=found.action,
                       period=self.policy.iso(rule), clock=found.clock, rows=rows, what=what)


@dataclass(frozen=True)
class Applier:
    """Enforces the named rules of one dataset."""

    dataset: str
    rules: tuple[str, ...]
    run: Callable[[Sweep], list[Outcome]]


@dataclass
class RetentionReport:
    """What a run did (or, dry, would do), per rule and per dataset."""

    at: datetime
    dry_run: bool
    outcomes: list[Outcome] = field(default_factory=list)

    def per_dataset(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for outcome in self.outcomes:
            totals[outcome.dataset] = totals.get(outcome.dataset, 0) + outcome.rows
        return totals

    def as_json(self) -> dict[str, Any]:
        return {
            "at": format_rfc3339(self.at),
            "dry_run": self.dry_run,
            "datasets": self.per_dataset(),
            "rules": [vars(o) for o in self.outcomes],
        }


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _has_keys(column: Any) -> ColumnElement[bool]:
    """A JSON object column holding at least one key (not ``{}``, JSON null or NULL)."""
    return column.is_not(None) & cast(column, String).not_in(("{}", "null"))


# -- sellers and their listings: the clock is the store's closure ----------------


def closures(session: Session, *, before: datetime) -> dict[str, datetime]:
    """Return when each closed store was closed, for closures at or before ``before``.

    The clock is the active store-closure statement (a reopened store's closure is
    reversed, so it no longer counts); the seller must still be closed.
    """
    stmt = (
        select(Statement.seller_id, func.max(Statement.created_at))
        .join(Seller, Seller.seller_id == Statement.seller_id)
        .where(
            Seller.status == "closed",
            Statement.scope == "store",
            Statement.action == "close",
            Statement.status == "active",
            Statement.created_at <= before,
        )
        .group_by(Statement.seller_id)
    )
    return {str(row[0]): row[1] for row in session.execute(stmt)}


def identifier_rule(kind: str) -> str:
    """The rule of an identifier kind: its own, or the one for undeclared kinds."""
    named = f"sellers.identifiers.{kind}"
    return named if named in RULES_BY_FIELD else "sellers.identifiers.*"


def _sellers(sweep: Sweep) -> list[Outcome]:
    rules = [r for r in RULES_BY_FIELD if r.startswith("sellers.")]
    earliest = min(sweep.policy.cutoff(r, sweep.now) for r in rules)
    closed = closures(sweep.session, before=earliest)
    counts = dict.fromkeys(rules, 0)
    for chunk in _chunks(sorted(closed)):
        for seller in sweep.session.scalars(select(Seller).where(Seller.seller_id.in_(chunk))):
            at = closed[seller.seller_id]
            identifiers = dict(seller.identifiers or {})
            gone = [kind for kind in identifiers
                    if at <= sweep.policy.cutoff(identifier_rule(kind), sweep.now)]
            for kind in gone:
                counts[identifier_rule(kind)] += 1
            extra = bool(seller.extra) and at <= sweep.policy.cutoff("sellers.*", sweep.now)
            counts["sellers.*"] += int(extra)
            if sweep.dry_run:
                continue
            if gone:
                seller.identifiers = {k: v for k, v in identifiers.items() if k not in gone}
                sweep.session.execute(
                    delete(SellerIdentifier)
                    .where(SellerIdentifier.seller_id == seller.seller_id,
                           SellerIdentifier.kind.in_(gone))
                    .execution_options(synchronize_session=False)
                )
            if extra:
                seller.extra = {}
    return [sweep.outcome("sellers", rule, counts[rule],
                          "identifiers of closed stores" if rule != "sellers.*"
                          else "kept input fields of closed stores")
            for rule in rules]


def _listings(sweep: Sweep) -> list[Outcome]:
    rule = "listings.*"
    closed = closures(sweep.session, before=sweep.policy.cutoff(rule, sweep.now))
    rows = 0
    for chunk in _chunks(sorted(closed)):
        stmt = select(Listing).where(Listing.seller_id.in_(chunk), _has_keys(Listing.extra))
        for listing in sweep.session.scalars(stmt):
            rows += 1
            if not sweep.dry_run:
                listing.extra = {}
    return [sweep.outcome("listings", rule, rows, "kept input fields of closed stores' listings")]


# -- orders: the clock is the order ------------------------------------------------


def _orders(sweep: Sweep) -> list[Outcome]:
    out = []
    for rule, column, value in (
        ("orders.user_id", Order.buyer_id, None),
        ("orders.*", Order.extra, {}),
    ):
        cutoff = sweep.policy.cutoff(rule, sweep.now)
        held = column.is_not(None) if value is None else _has_keys(column)
        where = (Order.created_at <= cutoff, held)
        out.append(sweep.outcome("orders", rule, _change(sweep, Order, where, {column: value}),
                                 "buyer ids" if value is None else "kept input fields"))
    return out


# -- notices: the clock is the notice's settlement ----------------------------------


def _notices(sweep: Sweep) -> list[Outcome]:
    out = []
    for rule, column in (
        ("notices.notifier.name", Notice.notifier_name),
        ("notices.notifier.email", Notice.notifier_email),
    ):
        where = (
            Notice.status.in_(SETTLED),
            Notice.closed_at <= sweep.policy.cutoff(rule, sweep.now),
            column != ERASED,
        )
        out.append(sweep.outcome("notices", rule, _change(sweep, Notice, where, {column: ERASED}),
                                 "the notifier's contact on settled notices"))
    return out


# -- stored answers to retried requests --------------------------------------------


def _idempotency(sweep: Sweep) -> list[Outcome]:
    rule = "idempotency_records.body"
    where = (IdempotencyRecord.created_at <= sweep.policy.cutoff(rule, sweep.now),)
    if sweep.dry_run:
        rows = _count(sweep.session, IdempotencyRecord, where)
    else:
        result = sweep.session.execute(
            delete(IdempotencyRecord).where(*where)
            .execution_options(synchronize_session=False)
        )
        rows = int(getattr(result, "rowcount", 0) or 0)
    return [sweep.outcome("idempotency_records", rule, rows, "stored answers to retries")]


# -- portal sign-in material ---------------------------------------------------------


def _delete(sweep: Sweep, model: Any, where: Sequence[Any]) -> int:
    """Count (dry run) or delete the rows matching ``where``; return how many."""
    if sweep.dry_run:
        return _count(sweep.session, model, where)
    result = sweep.session.execute(
        delete(model).where(*where).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _sign_in_failures(sweep: Sweep) -> list[Outcome]:
    rule = "sign_in_failures.client"
    where = (SignInFailure.at <= sweep.policy.cutoff(rule, sweep.now),)
    return [sweep.outcome("sign_in_failures", rule, _delete(sweep, SignInFailure, where),
                          "failed portal sign-ins")]


def _invitations(sweep: Sweep) -> list[Outcome]:
    rule = "invitations.email"
    cutoff = sweep.policy.cutoff(rule, sweep.now)
    where = (or_(Invitation.used_at <= cutoff,
                 and_(Invitation.used_at.is_(None), Invitation.expires_at <= cutoff)),)
    return [sweep.outcome("invitations", rule, _delete(sweep, Invitation, where),
                          "used or expired enrolment links")]


def _count(session: Session, model: Any, where: Sequence[Any]) -> int:
    return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _change(sweep: Sweep, model: Any, where: Sequence[Any], values: dict[Any, Any]) -> int:
    """Count (dry run) or update the rows matching ``where``; return how many."""
    if sweep.dry_run:
        return _count(sweep.session, model, where)
    result = sweep.session.execute(
        update(model).where(*where).values(values).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


# -- the risk engine's shared state -------------------------------------------------


def _risk(sweep: Sweep) -> list[Outcome]:
    return risk_state.sweep(sweep.settings, sweep.policy, now=sweep.now, dry_run=sweep.dry_run)


APPLIERS: dict[str, Applier] = {
    a.dataset: a
    for a in (
        Applier("sellers", tuple(r for r in RULES_BY_FIELD if r.startswith("sellers.")),
                _sellers),
        Applier("listings", ("listings.*",), _listings),
        Applier("orders", ("orders.user_id", "orders.*"), _orders),
        Applier("notices", ("notices.notifier.name", "notices.notifier.email"), _notices),
        Applier("risk_events", tuple(r for r in RULES_BY_FIELD if r.startswith("risk_events.")),
                _risk),
        Applier("idempotency_records", ("idempotency_records.body",), _idempotency),
        Applier("sign_in_failures", ("sign_in_failures.client",), _sign_in_failures),
        Applier("invitations", ("invitations.email",), _invitations),
    )
}


def check_datasets(names: Sequence[str]) -> list[str]:
    """Return the datasets to sweep (all when none named); refuse an unknown one."""
    unknown = [n for n in names if n not in APPLIERS]
    if unknown:
        raise InvalidInput(
            f"no retention period applies to dataset(s) {', '.join(map(repr, unknown))}; "
            f"datasets with retention periods: {', '.join(APPLIERS)}"
        )
    return list(names) or list(APPLIERS)


def apply(
    session: Session,
    *,
    actor: Principal,
    settings: Settings,
    datasets: Sequence[str] = (),
    dry_run: bool = False,
    now: datetime | None = None,
) -> RetentionReport:
    """Erase or anonymise what is past its period; audit the counts unless ``dry_run``."""
    chosen = check_datasets(datasets)
    moment = now or utcnow()
    sweep = Sweep(session, policy_from(settings.data_retention), settings, moment, dry_run)
    if "risk_events" in chosen:
        risk_state.check_reachable(settings)  # refuse before changing anything
    report = RetentionReport(at=moment, dry_run=dry_run)
    for name in chosen:
        report.outcomes += APPLIERS[name].run(sweep)
    if not dry_run:
        session.flush()
        totals = report.per_dataset()
        audit.record(
            session,
            actor=actor.actor,
            action="data.retention.apply",
            object_type="retention",
            object_id=format_rfc3339(moment),
            reason="retention periods applied: "
            + ", ".join(f"{name} {rows}" for name, rows in totals.items()),
            after=report.as_json(),
        )
    return report
