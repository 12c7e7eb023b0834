"""Every column the migrations create is classified, every table owned, and the §7
minimums hold out of the box."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine, text

from marketguard import db
from marketguard.dataguard.classification import (
    Category,
    Level,
    classified,
    column_classification,
    table_owner,
)
from marketguard.dataguard.datasets import DATASETS, RISK_EVENTS, classify_risk_field
from marketguard.migrate import upgrade
from marketguard.models import Base
from tests.services import require

UNCLASSIFIED_OK = {"alembic_version"}


@pytest.fixture(params=["sqlite", "postgres"])
def migrated(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database built by the migrations alone (no create_all)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'classified.db'}"
        upgrade(url)
        yield url
        db.get_engine(url).dispose()
        return
    admin_url = require("postgres").replace("postgresql://", "postgresql+psycopg://")
    name = f"mg_cls_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.rsplit("/", 1)[0] + "/" + name
    upgrade(url)
    yield url
    db.dispose_engines()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_when_the_migrations_run_then_every_column_they_create_is_classified(
    migrated: str,
) -> None:
    reflected = MetaData()
    reflected.reflect(db.get_engine(migrated))
    assert len(reflected.tables) > 20  # the walk found the schema
    missing: list[str] = []
    unowned: list[str] = []
    for table in reflected.sorted_tables:
        if table.name in UNCLASSIFIED_OK:
            continue
        model = Base.metadata.tables.get(table.name)
        if model is None or table_owner(model) is None:
            unowned.append(table.name)
        for column in table.columns:
            declared = model.columns.get(column.name) if model is not None else None
            if declared is None or column_classification(declared) is None:
                missing.append(f"{table.name}.{column.name}")
    assert missing == [], f"columns without a classification (add info=classified(...)): {missing}"
    assert unowned == [], f"tables without an owner (add owned_by(...)): {unowned}"


# (dataset, field, lowest level, category) — FORMATS §7, "these minimums hold".
MINIMUMS = [
    ("sellers", "seller_id", 2, "business"),
    ("sellers", "country", 2, "business"),
    ("sellers", "created_at", 2, "business"),
    ("sellers", "identifiers.phone", 3, "personal"),
    ("sellers", "identifiers.address", 3, "personal"),
    ("sellers", "identifiers.ip", 3, "personal"),
    ("sellers", "identifiers.device", 3, "personal"),
    ("sellers", "identifiers.payment", 4, "personal"),
    ("sellers", "identifiers.some_new_kind", 3, "personal"),
    ("sellers", "an_unknown_input_field", 3, "personal"),
    ("seller_identifiers", "value", 4, "personal"),
    ("notices", "notifier.name", 3, "personal"),
    ("notices", "notifier.email", 3, "personal"),
    ("risk_events", "ip", 3, "personal"),
    ("risk_events", "device_id", 3, "personal"),
    ("risk_events", "user_id", 3, "personal"),
    ("risk_events", "payment_instrument_id", 4, "personal"),
    ("risk_events", "card_bin", 4, "personal"),
    ("risk_events", "last_card_digits", 4, "personal"),
    ("risk_events", "pan", 4, "personal"),
    ("risk_events", "bin", 4, "personal"),
    ("risk_events", "iban", 4, "personal"),
    ("risk_events", "some_free_field", 3, "personal"),
    ("orders", "user_id", 3, "personal"),
]


@pytest.mark.parametrize(("dataset", "field", "level", "category"), MINIMUMS)
def test_when_a_field_has_a_section_7_minimum_then_it_is_met(
    dataset: str, field: str, level: int, category: str
) -> None:
    found = DATASETS[dataset].classify(field)
    assert found is not None, f"{dataset}.{field} is not classified"
    assert found.level >= level, f"{dataset}.{field} is level {found.level}, needs {level}"
    assert found.category == category


@pytest.mark.parametrize(
    "field",
    ["listing_id", "seller_id", "created_at", "title", "description", "category",
     "price.amount", "price.currency", "images", "attributes", "status"],
)
def test_when_a_listing_field_is_public_then_it_is_level_1_business(field: str) -> None:
    found = DATASETS["listings"].classify(field)
    assert found is not None
    assert (found.level, found.category) == (Level.public, Category.business)


def test_when_a_table_backs_notices_then_its_notifier_columns_are_personal() -> None:
    notices = Base.metadata.tables["notices"]
    for name in ("notifier_name", "notifier_email"):
        found = column_classification(notices.columns[name])
        assert found is not None and found.level >= 3 and found.category == "personal"
    for column in Base.metadata.tables["notifiers"].columns:
        assert column_classification(column) is not None


def test_when_risk_event_fields_are_named_then_card_like_names_are_secret() -> None:
    card = classify_risk_field("cardholder_name")
    assert card is not None and card.level == Level.secret
    assert classify_risk_field("amount") is not None
    assert classify_risk_field("not a name") is None
    ts = RISK_EVENTS.classify("ts")
    assert ts is not None and ts.level == Level.internal


def test_when_a_classification_lacks_a_purpose_then_refused() -> None:
    with pytest.raises(ValueError, match="purpose"):
        classified(Level.internal, Category.business, " ")
    with pytest.raises(ValueError):
        classified(7, Category.business, "x")
