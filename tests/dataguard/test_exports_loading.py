"""The batch reads of exports give, field by field, what the records route shows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from marketguard.auth.roles import Role
from marketguard.catalog import service as catalog_service
from marketguard.config import Settings
from marketguard.dataguard.datasets import DATASETS
from marketguard.dataguard.exports import loading
from marketguard.ingest import ImportReport
from marketguard.uow import unit_of_work
from tests.dataguard.export_world import seed_exports
from tests.factories import seller, write_jsonl
from tests.notices.helpers import principal


def flatten(dataset: str, record: dict[str, Any]) -> dict[str, Any]:
    """A records-route record as field path -> value (objects whose keys are paths opened)."""
    objects = DATASETS[dataset].objects
    out: dict[str, Any] = {}
    for key, value in record.items():
        if key in objects and isinstance(value, dict):
            out.update({f"{key}.{sub}": item for sub, item in value.items()})
        else:
            out[key] = value
    return out


def every_record(session: Session, dataset: str) -> list[dict[str, Any]]:
    loader = DATASETS[dataset].loader
    assert loader is not None
    records, cursor = loader(session, None, 500)
    assert cursor is None
    return [flatten(dataset, r) for r in records]


@pytest.fixture
def seeded(settings: Settings, tmp_path: Path) -> Settings:
    seed_exports(settings, tmp_path / "seed")
    path = write_jsonl(tmp_path / "orders.jsonl", [
        {"order_id": "O-1", "listing_id": "L-1", "ts": "2026-11-03T10:00:00.250Z",
         "user_id": "u-7", "amount": 2900, "currency": "EUR", "buyer_phone": "+4930111"},
        {"order_id": "O-2", "listing_id": "L-2", "ts": "2026-11-04T10:00:00Z"},
    ])
    odd = write_jsonl(tmp_path / "odd.jsonl", [
        seller("S-0900", country=None, identifiers={}, consent={"third_party_sharing": True},
               notes={"nested": [1, 2]}),
    ])
    with unit_of_work(settings) as session:
        admin = principal(Role.platform_admin, "admin")
        reports: list[ImportReport] = [
            catalog_service.import_orders(session, actor=admin, path=path),
            catalog_service.import_sellers(session, actor=admin, path=odd),
        ]
    assert all(r.ok for r in reports), [r.errors for r in reports]
    return settings


@pytest.mark.parametrize("dataset", loading.exportable())
def test_when_an_export_reads_a_dataset_then_every_field_equals_the_records_route(
    seeded: Settings, dataset: str
) -> None:
    with unit_of_work(seeded) as session:
        expected = every_record(session, dataset)
        paths = sorted({p for r in expected for p in r} - {"masked"})
        read = [r for batch in loading.batches(session, dataset, paths, size=3) for r in batch]
    assert expected  # the seeded world has rows of every dataset
    assert read == [{p: r.get(p) for p in paths} for r in expected]


def test_when_sellers_opted_out_then_third_party_reads_and_counts_leave_them_out(
    seeded: Settings,
) -> None:
    with unit_of_work(seeded) as session:
        everyone = loading.count(session, "sellers")
        shared = loading.count(session, "sellers", third_party=True)
        read = [r["seller_id"] for batch in loading.batches(
            session, "sellers", ["seller_id"], third_party=True) for r in batch]
        listings = loading.count(session, "listings", third_party=True)
    assert everyone - shared == 2
    assert len(read) == shared and {"S-0103", "S-0107"}.isdisjoint(read)
    assert "S-0900" in read and "S-0101" in read  # consent given, or said yes
    assert listings == 4  # listings of sellers who did not opt out


@pytest.mark.parametrize(
    ("consent", "named"),
    [
        ("yes", "consent must be an object"),
        ({"third_party_sharing": "no"}, "consent.third_party_sharing must be true or false"),
    ],
)
def test_when_a_sellers_file_states_consent_wrongly_then_the_line_is_rejected(
    settings: Settings, tmp_path: Path, consent: object, named: str
) -> None:
    path = write_jsonl(tmp_path / "bad.jsonl", [seller("S-0950", consent=consent)])
    with unit_of_work(settings) as session:
        report = catalog_service.import_sellers(
            session, actor=principal(Role.platform_admin, "admin"), path=path
        )
    assert report.rejected == 1 and report.created == 0
    assert any(named in str(e) for e in report.errors), report.errors
