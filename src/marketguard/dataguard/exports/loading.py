"""Read the fields an export asks for, in large batches, with plain SELECTs.

Why not the datasets' own loaders: they page through ORM objects, which is
right for a page of 50 records and far too slow for a million. Here each
exportable dataset maps its field paths onto its table's columns (a fixed
column, a key inside a JSON object column, or a kept unknown input field), only
the columns the export needs are selected, and rows come in batches of
``BATCH`` from one streaming query. A test checks that every field read here
equals what the records route shows for it, so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Text, cast, exists, false, func, not_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from marketguard.catalog.models import Listing, Order, Seller
from marketguard.notices.models import Notice
from marketguard.timeutil import format_rfc3339

BATCH = 20_000
Record = dict[str, Any]
Column = InstrumentedAttribute[Any]


@dataclass(frozen=True)
class Source:
    """How one dataset's field paths map onto its table.

    ``fixed``: path -> column; ``times``: the fixed paths holding times (shown as
    RFC 3339); ``objects``: container -> JSON object column whose keys are paths
    (``identifiers.phone``); ``extra``: the JSON column of kept unknown input
    fields (a top-level path, or a path into one of its objects, e.g.
    ``consent.third_party_sharing``); ``seller``: the column naming the seller a
    row is about (consent to third-party sharing is theirs).
    """

    key: Column
    fixed: Mapping[str, Column]
    times: frozenset[str] = frozenset()
    objects: Mapping[str, Column] = field(default_factory=dict)
    extra: Column | None = None
    seller: Column | None = None


SOURCES: dict[str, Source] = {
    "sellers": Source(
        key=Seller.seller_id,
        fixed={"seller_id": Seller.seller_id, "created_at": Seller.created_at,
               "country": Seller.country, "status": Seller.status},
        times=frozenset({"created_at"}),
        objects={"identifiers": Seller.identifiers},
        extra=Seller.extra,
        seller=Seller.seller_id,
    ),
    "listings": Source(
        key=Listing.listing_id,
        fixed={"listing_id": Listing.listing_id, "seller_id": Listing.seller_id,
               "created_at": Listing.created_at, "title": Listing.title,
               "description": Listing.description, "category": Listing.category,
               "price.amount": Listing.price_amount, "price.currency": Listing.price_currency,
               "images": Listing.images, "attributes": Listing.attributes,
               "status": Listing.status},
        times=frozenset({"created_at"}),
        extra=Listing.extra,
        seller=Listing.seller_id,
    ),
    "notices": Source(
        key=Notice.id,
        fixed={"id": Notice.id, "brand_id": Notice.brand_id, "right_id": Notice.right_id,
               "status": Notice.status, "received_at": Notice.received_at,
               "due_at": Notice.due_at, "decided_at": Notice.decided_at,
               "closed_at": Notice.closed_at, "channel": Notice.channel,
               "good_faith": Notice.good_faith, "explanation": Notice.explanation,
               "notifier.name": Notice.notifier_name, "notifier.email": Notice.notifier_email},
        times=frozenset({"received_at", "due_at", "decided_at", "closed_at"}),
    ),
    "orders": Source(
        key=Order.order_id,
        fixed={"order_id": Order.order_id, "listing_id": Order.listing_id,
               "ts": Order.created_at, "user_id": Order.buyer_id, "amount": Order.amount,
               "currency": Order.currency},
        times=frozenset({"ts"}),
        extra=Order.extra,
    ),
}


def exportable() -> list[str]:
    """Return the datasets an export can read, sorted."""
    return sorted(SOURCES)


def _json_text(column: Column) -> Any:
    """Select a JSON column as its text, decoded with orjson (several times json's speed)."""
    return cast(column, Text)


def _decode(text: str | None) -> Any:
    return orjson.loads(text) if text else None


def _walk(value: Any, parts: Sequence[str]) -> Any:
    for part in parts:
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


Getter = Callable[[tuple[Any, ...]], Any]


def _value(i: int) -> Getter:
    return lambda row: row[i]


def _time_value(i: int) -> Getter:
    """Format a time column as RFC 3339, remembering recent values (many rows share one)."""
    seen: dict[Any, str] = {}

    def get(row: tuple[Any, ...]) -> str | None:
        moment = row[i]
        if moment is None:
            return None
        text = seen.get(moment)
        if text is None:
            if len(seen) >= 4096:
                seen.clear()
            text = seen[moment] = format_rfc3339(moment)
        return text

    return get


def _key_value(i: int, key: str) -> Getter:
    return lambda row: (row[i] or {}).get(key)


def _path_value(i: int, parts: list[str]) -> Getter:
    return lambda row: _walk(row[i], parts)


@dataclass
class Plan:
    """The columns to select, which hold JSON text, and per field how to take its value."""

    columns: list[Any]
    json_slots: frozenset[int]
    getters: list[Getter]


def _plan(source: Source, fields: Sequence[str]) -> Plan:
    columns: list[Any] = []
    index: dict[str, int] = {}
    json_slots: set[int] = set()

    def slot(name: str, expression: Any, *, json: bool = False) -> int:
        if name not in index:
            index[name] = len(columns)
            columns.append(_json_text(expression) if json else expression)
            if json:
                json_slots.add(index[name])
        return index[name]

    getters: list[Getter] = []
    for path in fields:
        head, dot, rest = path.partition(".")
        if path in source.fixed:
            i = slot(path, source.fixed[path])
            getters.append(_time_value(i) if path in source.times else _value(i))
        elif dot and head in source.objects:
            getters.append(_key_value(slot(f"json:{head}", source.objects[head], json=True), rest))
        elif source.extra is not None:
            i = slot("json:*", source.extra, json=True)
            getters.append(_path_value(i, path.split(".")))
        else:  # the service only plans fields the catalog knows
            raise LookupError(f"{path} is not a field this dataset stores")
    return Plan(columns, frozenset(json_slots), getters)


def _opted_out(seller: Any) -> Any:
    """Whether the seller named by ``seller`` said ``"consent": {"third_party_sharing": false}``.

    Why ``EXISTS`` and not ``NOT IN (SELECT ...)``: PostgreSQL answers ``NOT IN``
    with a hashed list only while the list fits in ``work_mem``; past that (a
    hundred thousand opted-out sellers) it scans the list once per row. ``NOT
    EXISTS`` is an anti-join on either database. (Both columns are never null,
    so the two mean the same.)
    """
    opted = aliased(Seller)
    flag = opted.extra[("consent", "third_party_sharing")].as_boolean()
    return exists(select(opted.seller_id).where(opted.seller_id == seller, flag == false()))


def _opted_out_flag(extra: Any) -> Any:
    """Whether a sellers row's own ``extra`` says ``"consent": {"third_party_sharing": false}``."""
    return func.coalesce(extra[("consent", "third_party_sharing")].as_boolean() == false(),
                         false())


def _shared(source: Source) -> Any:
    """The condition keeping rows about sellers who did not opt out of third-party sharing.

    On the sellers table itself the flag is read from the row's own ``extra``:
    an anti-join of the table with itself costs a second pass over a million
    JSON documents on PostgreSQL, which was most of a vendor hand-over's time.
    """
    if source.seller is None:
        return None
    if source.key.class_ is Seller and source.seller is source.key:
        return not_(_opted_out_flag(Seller.extra))
    return ~_opted_out(source.seller)


def count(session: Session, dataset: str, *, third_party: bool = False) -> int:
    """Return how many rows an export of ``dataset`` reads (a third party's: without opt-outs)."""
    source = SOURCES[dataset]
    stmt = select(func.count()).select_from(source.key.class_)
    kept = _shared(source) if third_party else None
    if kept is not None:
        stmt = stmt.where(kept)
    return int(session.scalar(stmt) or 0)


def batches(
    session: Session,
    dataset: str,
    fields: Sequence[str],
    *,
    third_party: bool = False,
    size: int = BATCH,
) -> Iterator[list[Record]]:
    """Yield records keyed by field path, batch by batch, in the dataset's key order.

    ``third_party``: leave out rows about sellers who opted out of third-party sharing.
    """
    source = SOURCES[dataset]
    plan = _plan(source, fields)
    json_slots = plan.json_slots
    stmt = select(*plan.columns).order_by(source.key)
    kept = _shared(source) if third_party else None
    if kept is not None:
        stmt = stmt.where(kept)
    names = list(fields)
    getters = plan.getters
    for partition in session.execute(stmt.execution_options(yield_per=size)).partitions():
        records: list[Record] = []
        for raw in partition:
            row = tuple(raw)
            if json_slots:
                row = tuple(_decode(v) if i in json_slots else v for i, v in enumerate(row))
            records.append({name: get(row) for name, get in zip(names, getters, strict=True)})
        yield records
