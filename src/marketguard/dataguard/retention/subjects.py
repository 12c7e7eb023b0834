"""A seller's rights over their data: everything held about them, and erasure.

Why rows are read through the tables' metadata and not each domain's service:
an access request must be complete — every table that names the seller or one
of their listings — and a table added later is found by its columns
(``seller_id``, ``listing_id``) rather than forgotten. Other people's data is
withheld from the document (buyers' ids, notifiers' contacts, staff names):
a seller's access request is not a way to read someone else's.

Erasure removes the seller's personal fields (identifiers, kept input fields)
and keeps what an obligation requires, saying which and why. The audit log is
never edited: its records hold digests, not values, so it verifies after an
erasure as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import LargeBinary, Table, delete, func, select
from sqlalchemy.orm import Session

from marketguard.audit import service as audit
from marketguard.audit.chain import digest
from marketguard.auth.roles import Principal
from marketguard.catalog.models import Listing, Seller, SellerIdentifier
from marketguard.dataguard.access import Permit
from marketguard.dataguard.exports.models import DataExport
from marketguard.dataguard.models import DataAccessLog
from marketguard.dataguard.retention.policy import RULES_BY_FIELD, policy_from
from marketguard.dataguard.retention.sweep import closures, identifier_rule
from marketguard.dataguard.service import log_access
from marketguard.errors import NotFound
from marketguard.models import Base
from marketguard.timeutil import format_rfc3339, utcnow

SUBJECT_PURPOSE = "the data subject's own request"

# Columns never shown in a subject's document: other people's data and secrets.
WITHHELD: dict[str, str] = {
    "buyer_id": "a buyer's id is the buyer's personal data",
    "notifier_name": "the notifier's contact is the notifier's personal data",
    "notifier_email": "the notifier's contact is the notifier's personal data",
    "secret_hash": "a credential, not information about the seller",
    "source_digest": "bookkeeping of the import",
    "image_root": "bookkeeping of the import",
}
_STAFF = ("_by", "actor", "filed_by")


def _seller(session: Session, seller_id: str) -> Seller:
    seller = session.get(Seller, seller_id)
    if seller is None:
        raise NotFound(f"no seller {seller_id!r} is stored; nothing was changed")
    return seller


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_rfc3339(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return None
    return value


def _shown(table: Table) -> list[Any]:
    return [c for c in table.columns
            if c.name not in WITHHELD and not c.name.endswith(_STAFF)]


def _rows(session: Session, name: str, column: str, values: Iterable[str]) -> list[dict[str, Any]]:
    """Rows of table ``name`` whose ``column`` is one of ``values``, minus withheld columns."""
    table = Base.metadata.tables[name]
    wanted = sorted(set(values))
    out: list[dict[str, Any]] = []
    for start in range(0, len(wanted), 500):
        stmt = (select(*_shown(table)).where(table.c[column].in_(wanted[start : start + 500]))
                .order_by(*table.primary_key.columns))
        out += [_record(row) for row in session.execute(stmt)]
    return out


def _record(row: Any) -> dict[str, Any]:
    # str(): reflected column names are a str subclass JSON encoders refuse as keys
    return {str(k): _plain(v) for k, v in row._mapping.items()}


def _export_history(session: Session) -> list[dict[str, Any]]:
    """Exports of the sellers dataset: an export names the dataset and fields it
    handed out (and to whom), not which sellers, so each one is listed."""
    table = DataExport.__table__
    shown = [c for c in table.columns
             if c.name not in WITHHELD and not isinstance(c.type, LargeBinary)]
    stmt = (select(*shown).where(table.c.dataset.in_(("sellers", "seller_identifiers")))
            .order_by(table.c.created_at, table.c.id))
    return [_record(row) for row in session.execute(stmt)]


def _reads(session: Session) -> list[dict[str, Any]]:
    """Who received sellers' personal fields, by kind and purpose (the log names no rows)."""
    stmt = (
        select(DataAccessLog.kind, DataAccessLog.purpose, func.count(),
               func.min(DataAccessLog.at), func.max(DataAccessLog.at))
        .where(DataAccessLog.dataset.in_(("sellers", "seller_identifiers")))
        .group_by(DataAccessLog.kind, DataAccessLog.purpose)
        .order_by(DataAccessLog.kind, DataAccessLog.purpose)
    )
    return [{"kind": kind, "purpose": purpose, "times": int(times),
             "first": _plain(first), "last": _plain(last)}
            for kind, purpose, times, first, last in session.execute(stmt)]


def _audit(session: Session, objects: set[str]) -> list[dict[str, Any]]:
    table = Base.metadata.tables["audit_records"]
    out: list[dict[str, Any]] = []
    wanted = sorted(objects)
    for start in range(0, len(wanted), 500):
        stmt = (select(table.c.seq, table.c.at, table.c.actor, table.c.action,
                       table.c.object_type, table.c.object_id, table.c.reason)
                .where(table.c.object_id.in_(wanted[start : start + 500])))
        for row in session.execute(stmt):
            out.append({"seq": row.seq, "at": _plain(row.at), "action": row.action,
                        "by": str(row.actor).split(":", 1)[0],  # the role, not the person
                        "object_type": row.object_type, "object_id": row.object_id,
                        "reason": row.reason})
    return sorted(out, key=lambda r: int(r["seq"]))


def export(
    session: Session, *, actor: Principal, seller_id: str, retention: dict[str, str] | None = None
) -> dict[str, Any]:
    """Return one JSON-ready document of everything held about a seller; log and audit it."""
    seller = _seller(session, seller_id)
    listings = list(session.scalars(select(Listing.listing_id).where(
        Listing.seller_id == seller_id)))
    by_seller = {name: _rows(session, name, "seller_id", [seller_id]) for name in (
        "sellers", "seller_identifiers", "listings", "notice_items", "enforcement_statements",
        "enforcement_strikes", "appeals", "test_buys", "api_tokens")}
    by_listing = {name: _rows(session, name, "listing_id", listings) for name in (
        "orders", "scan_decisions", "review_cases", "detection_labels")}
    notices = {i["notice_id"] for i in by_seller["notice_items"]}
    statements = {s["id"] for s in by_seller["enforcement_statements"]}
    objects = {seller_id, *listings, *notices, *statements,
               *(a["id"] for a in by_seller["appeals"]),
               *(t["id"] for t in by_seller["test_buys"])}
    policy = policy_from(retention)
    document: dict[str, Any] = {
        "subject": {"kind": "seller", "seller_id": seller_id},
        "generated_at": format_rfc3339(utcnow()),
        "seller": by_seller["sellers"][0],
        "identifiers": by_seller["seller_identifiers"],
        "listings": by_seller["listings"],
        "orders": by_listing["orders"],
        "notices": {
            "notices": _rows(session, "notices", "id", notices),
            "items": by_seller["notice_items"],
        },
        "enforcement": {
            "statements_of_reasons": by_seller["enforcement_statements"],
            "strikes": by_seller["enforcement_strikes"],
        },
        "appeals": by_seller["appeals"],
        "test_buys": by_seller["test_buys"],
        "detection": {
            "scan_decisions": by_listing["scan_decisions"],
            "review_cases": by_listing["review_cases"],
            "labels": by_listing["detection_labels"],
        },
        "api_tokens": by_seller["api_tokens"],
        "risk_decisions": {
            "stored": False,
            "note": "risk events are decided, not stored; the risk engine keeps their fields "
            "in its feature state only for the risk-event retention periods",
        },
        "data_access": _reads(session),
        "exports": _export_history(session),
        "audit": _audit(session, objects),
        "withheld": WITHHELD | {"*_by, actor": "names the staff member who acted"},
        "retention": {
            rule: policy.describe(rule) for rule in RULES_BY_FIELD
            if rule.startswith(("sellers.", "listings."))
        },
    }
    personal = sorted({f"identifiers.{k}" for k in seller.identifiers or {}}
                      | set(seller.extra or {}))
    if personal:  # the hand-over of level-3/4 fields is an export in the access log
        log_access(session, actor=actor.name, dataset="sellers", fields=personal, rows=1,
                   permit=Permit(None, SUBJECT_PURPOSE), kind="export")
    audit.record(session, actor=actor.actor, action="data.subject.export",
                 object_type="seller", object_id=seller_id, reason="subject access request",
                 after={"document": digest(document)})
    return document


# -- erasure ------------------------------------------------------------------


@dataclass(frozen=True)
class Erased:
    table: str
    field: str
    rows: int


@dataclass(frozen=True)
class Kept:
    table: str
    what: str
    why: str


@dataclass
class Erasure:
    seller_id: str
    erased: list[Erased] = field(default_factory=list)
    kept: list[Kept] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"seller_id": self.seller_id,
                "erased": [vars(e) for e in self.erased],
                "kept": [vars(k) for k in self.kept]}


def _count(session: Session, name: str, column: str, values: Sequence[str]) -> int:
    if not values:
        return 0
    table = Base.metadata.tables[name]
    stmt = select(func.count()).select_from(table).where(table.c[column].in_(list(values)))
    return int(session.scalar(stmt) or 0)


def erase(
    session: Session,
    *,
    actor: Principal,
    seller_id: str,
    reason: str,
    retention: dict[str, str] | None = None,
    now: datetime | None = None,
) -> Erasure:
    """Erase a seller's personal fields unless an obligation keeps them; say what and why."""
    seller = _seller(session, seller_id)
    moment = now or utcnow()
    policy = policy_from(retention)
    result = Erasure(seller_id)
    identifiers = dict(seller.identifiers or {})
    closed = closures(session, before=moment).get(seller_id)
    held = {kind: closed + policy.period(identifier_rule(kind)) for kind in identifiers
            if closed is not None and closed + policy.period(identifier_rule(kind)) > moment}
    gone = [kind for kind in identifiers if kind not in held]
    rows = 0
    if gone:
        seller.identifiers = {k: v for k, v in identifiers.items() if k in held}
        deleted = session.execute(
            delete(SellerIdentifier)
            .where(SellerIdentifier.seller_id == seller_id, SellerIdentifier.kind.in_(gone))
            .execution_options(synchronize_session=False)
        )
        rows = int(getattr(deleted, "rowcount", 0) or 0)
    result.erased.append(Erased("sellers", "identifiers", len(gone)))
    result.erased.append(Erased("seller_identifiers", "value", rows))
    result.erased.append(Erased("sellers", "* (kept input fields)", int(bool(seller.extra))))
    seller.extra = {}
    kept_fields = 0
    for listing in session.scalars(select(Listing).where(Listing.seller_id == seller_id)):
        if listing.extra:
            kept_fields += 1
            listing.extra = {}
    result.erased.append(Erased("listings", "* (kept input fields)", kept_fields))
    for kind, until in sorted(held.items()):
        result.kept.append(Kept(
            "sellers", f"identifiers.{kind} until {format_rfc3339(until)}",
            f"the store was closed on {format_rfc3339(closed or moment)}: its identifiers "
            "recognise the same person opening a new store (repeat-infringer policy, DSA "
            "Art. 23; GDPR Art. 17(3)(e)); `data retention apply` erases them then"))
    result.kept += _kept(session, seller_id)
    session.flush()
    audit.record(session, actor=actor.actor, action="data.subject.erase", object_type="seller",
                 object_id=seller_id, reason=reason.strip() or "erasure request",
                 before={"erased": {f"{e.table}.{e.field}": e.rows for e in result.erased}},
                 after={"kept": [k.table for k in result.kept]})
    return result


def _kept(session: Session, seller_id: str) -> list[Kept]:
    """What stays after an erasure, and the obligation or purpose that keeps it."""
    listings = list(session.scalars(select(Listing.listing_id).where(
        Listing.seller_id == seller_id)))
    n = {name: _count(session, name, "seller_id", [seller_id]) for name in (
        "enforcement_statements", "enforcement_strikes", "appeals", "notice_items",
        "test_buys")}
    return [
        Kept("sellers", "seller id, country, created_at, status",
             "not personal on their own; statements of reasons, strikes and appeals refer "
             "to the seller by id"),
        Kept("listings", f"{len(listings)} listings (title, price, photos)",
             "public business records of the marketplace (level 1), not personal data"),
        Kept("enforcement_statements", f"{n['enforcement_statements']} statements of reasons",
             "DSA Art. 17 requires the statement and Art. 24(5) its submission; it is the "
             "record of the decision for internal complaints and redress (Art. 20, 21)"),
        Kept("enforcement_strikes", f"{n['enforcement_strikes']} strikes",
             "the repeat-infringer policy (DSA Art. 23) counts them within their window"),
        Kept("appeals", f"{n['appeals']} appeals",
             "the record of the seller's complaint and its outcome (DSA Art. 20)"),
        Kept("notice_items", f"{n['notice_items']} listings under notice",
             "rights holders' notices are legal acts (DSA Art. 16) whose handling must be "
             "provable"),
        Kept("test_buys", f"{n['test_buys']} test buys", "evidence behind decisions"),
        Kept("orders", f"{_count(session, 'orders', 'listing_id', listings)} orders",
             "the buyers' and the marketplace's records; their buyer ids follow the order "
             "retention period"),
        Kept("audit_records", "the audit log",
             "it proves who changed what and is never edited; it holds digests of personal "
             "data, never the values"),
        Kept("data_access_log", "reads and exports of the sellers dataset",
             "accountability for who read personal data and why; it names fields, not "
             "values"),
        Kept("risk engine state", "events keyed by user id, not seller id",
             "expires with the risk-event retention periods"),
    ]
