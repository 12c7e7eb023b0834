"""The datasets people read and request access to, and the shape of their records.

A public dataset (``sellers``, ``listings``, ``notices``, ``orders``) names its
fields by their path inside a record (``identifiers.phone``, ``notifier.email``,
``price.amount``), the way the exchange formats do. Each path takes its
classification from the column it is stored in (``info=classified(...)`` on the
model), so a level is declared once. Every other table is a dataset of its own,
field by column. ``risk_events`` are not stored; their fields are classified here
by name, as the rules language addresses them.

Why the loaders read the tables directly: dataguard is the layer that decides
what of every domain's stored data a person may see; it only reads, and only
through the models' declared columns.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, select, text
from sqlalchemy.orm import InstrumentedAttribute, Session

from marketguard.api.pagination import paginate
from marketguard.catalog.models import Listing, Order, Seller, SellerIdentifier
from marketguard.dataguard.classification import (
    RISK,
    Category,
    Classification,
    Level,
    classification,
    column_classification,
    table_owner,
)
from marketguard.errors import NotFound
from marketguard.models import Base
from marketguard.notices.models import Notice
from marketguard.timeutil import format_rfc3339

OTHER_FIELDS = "*"  # catalog name of "any other field kept from the input"
Record = dict[str, Any]
Loader = Callable[[Session, str | None, int], tuple[list[Record], str | None]]


def _pages(model: Any, key: Any, to_record: Callable[[Any], Record]) -> Loader:
    """Return a loader paging through ``model`` by ``key``, each row shaped as a record."""

    def load(session: Session, cursor: str | None, limit: int) -> tuple[list[Record], Any]:
        rows, next_cursor = paginate(session, select(model), key, cursor=cursor, limit=limit)
        return [to_record(row) for row in rows], next_cursor

    return load


def of(attribute: InstrumentedAttribute[Any], key: str | None = None) -> Classification:
    """Return the classification declared on a model column (or on one of its JSON keys)."""
    column = attribute.property.columns[0]
    found = column_classification(column)
    if found is None:  # the classification test makes this unreachable
        raise LookupError(f"column {column} declares no classification")
    return found.for_key(key) if key is not None else found


def _owner(attribute: InstrumentedAttribute[Any]) -> str:
    return table_owner(attribute.property.columns[0].table) or "unowned"


@dataclass(frozen=True)
class Dataset:
    """A dataset: its fields by path, how unknown paths are classified, how to read it.

    ``open`` maps an object-valued field whose keys are data (``identifiers``)
    to the classification of keys not named in ``fields``; ``other`` classifies
    top-level fields kept from the input that the schema does not name.
    ``objects`` are the object-valued fields whose keys are paths.
    """

    name: str
    owner: str
    fields: Mapping[str, Classification]
    objects: frozenset[str] = frozenset()
    open: Mapping[str, Classification] = field(default_factory=dict)
    other: Classification | None = None
    loader: Loader | None = None
    observed: Callable[[Session], list[str]] | None = None  # stored keys beyond `fields`
    patterns: Mapping[str, Classification] = field(default_factory=dict)  # catalog-only rows
    rule: Callable[[str], Classification | None] | None = None  # fields classified by name

    def classify(self, path: str) -> Classification | None:
        """Return the classification of a path, or None when the dataset has no such field."""
        found = self.fields.get(path)
        if found is not None:
            return found
        head, dot, rest = path.partition(".")
        if dot and rest and head in self.open:
            return self.open[head]
        if not dot and self.other is not None and head not in self.objects:
            return self.other
        if self.rule is not None:
            return self.rule(path)
        return None

    def covering_names(self, path: str) -> tuple[str, ...]:
        """Return the catalog names a grant may use for a path (itself, then its wildcard)."""
        if path in self.fields:
            return (path,)
        head, dot, rest = path.partition(".")
        if dot and head in self.open:
            return (path, f"{head}.*")
        if not dot and self.other is not None:
            return (path, OTHER_FIELDS)
        return (path,)

    def catalog_fields(self, session: Session | None) -> Iterator[tuple[str, Classification]]:
        """Yield every field name of the catalog with its classification."""
        yield from self.fields.items()
        for container, found in self.open.items():
            yield f"{container}.*", found
        if self.other is not None:
            yield OTHER_FIELDS, self.other
        yield from self.patterns.items()
        if session is not None and self.observed is not None:
            for key in self.observed(session):
                if key not in self.fields:
                    kept = self.classify(key)
                    if kept is not None:
                        yield key, kept


def _with_extra(record: Record, extra: Mapping[str, Any] | None) -> Record:
    """Append the kept unknown input fields; they never replace a named field."""
    for key, value in (extra or {}).items():
        record.setdefault(key, value)
    return record


def _time(value: Any) -> str | None:
    return format_rfc3339(value) if value is not None else None


def _json_keys(session: Session, table: str, column: str, limit: int = 1000) -> list[str]:
    """Return the distinct keys of a JSON object column (kept unknown input fields)."""
    if session.get_bind().dialect.name == "postgresql":
        objects = f"SELECT {column} AS o FROM {table} WHERE jsonb_typeof({column}) = 'object'"
        sql = f"SELECT DISTINCT k FROM ({objects}) AS t, jsonb_object_keys(t.o) AS k ORDER BY k"
    else:
        objects = f"SELECT {column} AS o FROM {table} WHERE json_type({column}) = 'object'"
        sql = f"SELECT DISTINCT j.key FROM ({objects}) AS t, json_each(t.o) AS j ORDER BY 1"
    return [str(row[0]) for row in session.execute(text(sql + f" LIMIT {int(limit)}"))]


# -- sellers ------------------------------------------------------------------

IDENTIFIER_KINDS = ("phone", "address", "ip", "device", "payment")
# A seller's ``"consent": {"third_party_sharing": false}`` keeps them out of vendor hand-overs.
CONSENT = classification(
    Level.internal, Category.personal, "honour a seller's choice on sharing with third parties"
)


def _seller_record(seller: Seller) -> Record:
    return _with_extra({
        "seller_id": seller.seller_id,
        "created_at": _time(seller.created_at),
        "country": seller.country,
        "identifiers": dict(seller.identifiers or {}),
        "status": seller.status,
    }, seller.extra)



def _seller_keys(session: Session) -> list[str]:
    kinds = session.scalars(select(SellerIdentifier.kind).distinct().limit(1000))
    return sorted({f"identifiers.{k}" for k in kinds}) + _json_keys(session, "sellers", "extra")


SELLERS = Dataset(
    name="sellers",
    owner=_owner(Seller.seller_id),
    fields={
        "seller_id": of(Seller.seller_id),
        "created_at": of(Seller.created_at),
        "country": of(Seller.country),
        "status": of(Seller.status),
        **{f"identifiers.{k}": of(Seller.identifiers, k) for k in IDENTIFIER_KINDS},
        # kept with the input's other fields; staff see it to honour it
        "consent.third_party_sharing": CONSENT,
    },
    objects=frozenset({"identifiers", "consent"}),
    open={"identifiers": of(Seller.identifiers)},
    other=of(Seller.extra),
    loader=_pages(Seller, Seller.seller_id, _seller_record),
    observed=_seller_keys,
)

# -- listings -----------------------------------------------------------------


def _listing_record(listing: Listing) -> Record:
    return _with_extra({
        "listing_id": listing.listing_id,
        "seller_id": listing.seller_id,
        "created_at": _time(listing.created_at),
        "title": listing.title,
        "description": listing.description,
        "category": listing.category,
        "price": {"amount": listing.price_amount, "currency": listing.price_currency},
        "images": list(listing.images or []),
        "attributes": dict(listing.attributes or {}),
        "status": listing.status,
    }, listing.extra)



LISTINGS = Dataset(
    name="listings",
    owner=_owner(Listing.listing_id),
    fields={
        "listing_id": of(Listing.listing_id),
        "seller_id": of(Listing.seller_id),
        "created_at": of(Listing.created_at),
        "title": of(Listing.title),
        "description": of(Listing.description),
        "category": of(Listing.category),
        "price.amount": of(Listing.price_amount),
        "price.currency": of(Listing.price_currency),
        "images": of(Listing.images),
        "attributes": of(Listing.attributes),
        "status": of(Listing.status),
    },
    objects=frozenset({"price"}),
    other=of(Listing.extra),
    loader=_pages(Listing, Listing.listing_id, _listing_record),
    observed=lambda session: _json_keys(session, "listings", "extra"),
)

# -- notices ------------------------------------------------------------------


def _notice_record(notice: Notice) -> Record:
    return {
        "id": notice.id,
        "brand_id": notice.brand_id,
        "right_id": notice.right_id,
        "status": notice.status,
        "received_at": _time(notice.received_at),
        "due_at": _time(notice.due_at),
        "decided_at": _time(notice.decided_at),
        "closed_at": _time(notice.closed_at),
        "channel": notice.channel,
        "good_faith": notice.good_faith,
        "explanation": notice.explanation,
        "notifier": {"name": notice.notifier_name, "email": notice.notifier_email},
    }



NOTICES = Dataset(
    name="notices",
    owner=_owner(Notice.id),
    fields={
        "id": of(Notice.id),
        "brand_id": of(Notice.brand_id),
        "right_id": of(Notice.right_id),
        "status": of(Notice.status),
        "received_at": of(Notice.received_at),
        "due_at": of(Notice.due_at),
        "decided_at": of(Notice.decided_at),
        "closed_at": of(Notice.closed_at),
        "channel": of(Notice.channel),
        "good_faith": of(Notice.good_faith),
        "explanation": of(Notice.explanation),
        "notifier.name": of(Notice.notifier_name),
        "notifier.email": of(Notice.notifier_email),
    },
    objects=frozenset({"notifier"}),
    loader=_pages(Notice, Notice.id, _notice_record),
)

# -- orders -------------------------------------------------------------------


def _order_record(order: Order) -> Record:
    return _with_extra({
        "order_id": order.order_id,
        "listing_id": order.listing_id,
        "ts": _time(order.created_at),
        "user_id": order.buyer_id,
        "amount": order.amount,
        "currency": order.currency,
    }, order.extra)



ORDERS = Dataset(
    name="orders",
    owner=_owner(Order.order_id),
    fields={
        "order_id": of(Order.order_id),
        "listing_id": of(Order.listing_id),
        "ts": of(Order.created_at),
        "user_id": of(Order.buyer_id),
        "amount": of(Order.amount),
        "currency": of(Order.currency),
    },
    other=of(Order.extra),
    loader=_pages(Order, Order.order_id, _order_record),
    observed=lambda session: _json_keys(session, "orders", "extra"),
)

# -- risk events (FORMATS §4): not stored, classified by field name -------------

_EVENT = classification(Level.internal, Category.business, "decide a risk event")
_LINK = classification(Level.confidential, Category.personal, "link events by person")
_CARD = classification(Level.secret, Category.personal, "stop payment fraud")
_FREE = classification(Level.confidential, Category.personal, "decide a risk event (unclassified)")
_CARD_NAME = re.compile(
    r"card|payment|(^|_)(pan|bin|iban|bic|swift|cvv|cvc|cc|account_number)(_|$)", re.IGNORECASE
)
_FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def classify_risk_field(name: str) -> Classification | None:
    """Classify a free risk-event field by its name: card-like 4, anything else 3."""
    if not _FIELD_NAME.match(name):
        return None
    return _CARD if _CARD_NAME.search(name) else _FREE


RISK_EVENTS = Dataset(
    name="risk_events",
    owner=RISK,
    fields={
        "event_id": _EVENT,
        "type": _EVENT,
        "ts": _EVENT,
        "amount": _EVENT,
        "currency": _EVENT,
        "country": _EVENT,
        "user_id": _LINK,
        "device_id": _LINK,
        "ip": _LINK,
        "payment_instrument_id": _CARD,
    },
    patterns={
        "*card*": _CARD,
        "*payment*": _CARD,
        "pan": _CARD,
        "bin": _CARD,
        "iban": _CARD,
        "bic": _CARD,
        "swift": _CARD,
        "cvv": _CARD,
        "cvc": _CARD,
        "account_number": _CARD,
        OTHER_FIELDS: _FREE,
    },
    rule=classify_risk_field,
)

PUBLIC: dict[str, Dataset] = {d.name: d for d in (SELLERS, LISTINGS, NOTICES, ORDERS)}
BACKING_TABLES = frozenset({"sellers", "listings", "notices", "orders"})


def _table_dataset(table: Table) -> Dataset:
    fields: dict[str, Classification] = {}
    for column in table.columns:
        found = column_classification(column)
        if found is None:
            raise LookupError(f"column {table.name}.{column.name} declares no classification")
        fields[column.name] = found
        for key, sub in found.fields.items():
            fields[f"{column.name}.{key}"] = sub
    return Dataset(name=table.name, owner=table_owner(table) or "unowned", fields=fields)


def _all() -> dict[str, Dataset]:
    found: dict[str, Dataset] = dict(PUBLIC)
    for table in Base.metadata.sorted_tables:
        if table.name not in BACKING_TABLES:
            found[table.name] = _table_dataset(table)
    found[RISK_EVENTS.name] = RISK_EVENTS
    return dict(sorted(found.items()))


DATASETS: dict[str, Dataset] = _all()


def dataset_names() -> list[str]:
    """Return every dataset name, sorted."""
    return list(DATASETS)


def get_dataset(name: str) -> Dataset:
    """Return a dataset by name, or raise a 404 naming the choices."""
    found = DATASETS.get(name)
    if found is None:
        raise NotFound(
            f"unknown dataset {name!r}; readable datasets: {', '.join(PUBLIC)} "
            "(GET /api/v1/data/catalog lists every dataset)"
        )
    return found
