"""Sellers, listings and orders import per FORMATS §2: bad records are named, good ones load."""

from __future__ import annotations

from pathlib import Path

import pytest

from marketguard.auth.roles import cli_principal
from marketguard.catalog import service
from marketguard.catalog.models import Listing, Seller, SellerIdentifier
from marketguard.config import Settings
from marketguard.errors import InvalidInput
from marketguard.uow import unit_of_work
from tests.factories import listing, seller, write_jsonl


def _import(settings: Settings, sellers: Path | None = None, listings: Path | None = None):
    with unit_of_work(settings) as session:
        out = []
        if sellers:
            out.append(service.import_sellers(session, actor=cli_principal(), path=sellers))
        if listings:
            out.append(service.import_listings(session, actor=cli_principal(), path=listings))
        return out


def test_when_a_file_has_bad_lines_then_each_is_named_and_the_rest_loads(
    settings: Settings, tmp_path: Path
) -> None:
    sellers = write_jsonl(tmp_path / "sellers.jsonl", [seller("S-1")])
    listings = write_jsonl(
        tmp_path / "listings.jsonl",
        [
            listing("L-1", "S-1"),
            "{not json",
            "",
            listing("L-2", "S-1", price={"amount": 12.5, "currency": "EUR"}),
            listing("L-3", "S-1", price={"amount": 100, "currency": "XXX"}),
            listing("L-4", "S-1", title="   "),
            listing("L-5", "S-404"),
            "[1, 2]",
            listing("L-6", "S-1", created_at="2026-11-01 10:00"),
        ],
    )
    _, report = _import(settings, sellers, listings)
    assert report.created == 1
    reasons = {e.line: e.reason for e in report.errors}
    assert sorted(reasons) == [2, 4, 5, 6, 7, 8, 9]
    assert "not valid JSON" in reasons[2]
    assert "price.amount" in reasons[4] and "integer" in reasons[4]
    assert "unknown currency 'XXX'" in reasons[5]
    assert "title" in reasons[6]
    assert "unknown seller S-404" in reasons[7]
    assert "expected a JSON object" in reasons[8]
    assert "RFC 3339" in reasons[9]


def test_when_the_same_files_are_imported_twice_then_nothing_changes(
    settings: Settings, tmp_path: Path
) -> None:
    sellers = write_jsonl(tmp_path / "s.jsonl", [seller("S-1"), seller("S-2")])
    listings = write_jsonl(tmp_path / "l.jsonl", [listing("L-1", "S-1"), listing("L-2", "S-2")])
    first = _import(settings, sellers, listings)
    second = _import(settings, sellers, listings)
    assert [(r.created, r.unchanged) for r in first] == [(2, 0), (2, 0)]
    assert [(r.created, r.updated, r.unchanged) for r in second] == [(0, 0, 2), (0, 0, 2)]


def test_when_a_record_changes_then_it_is_updated_and_status_is_kept(
    settings: Settings, tmp_path: Path
) -> None:
    sellers = write_jsonl(tmp_path / "s.jsonl", [seller("S-1")])
    _import(settings, sellers, write_jsonl(tmp_path / "l.jsonl", [listing("L-1", "S-1")]))
    with unit_of_work(settings) as session:
        service.set_listing_status(
            session, actor=cli_principal(), listing_id="L-1", status="held", reason="review"
        )
    changed = write_jsonl(tmp_path / "l2.jsonl", [listing("L-1", "S-1", title="New title")])
    (report,) = _import(settings, listings=changed)
    assert report.updated == 1
    with unit_of_work(settings) as session:
        row = session.get(Listing, "L-1")
        assert row is not None and row.title == "New title" and row.status == "held"


def test_when_records_carry_unknown_fields_then_they_are_kept(
    settings: Settings, tmp_path: Path
) -> None:
    sellers = write_jsonl(tmp_path / "s.jsonl", [seller("S-1", rating=4.5)])
    listings = write_jsonl(tmp_path / "l.jsonl", [listing("L-1", "S-1", shipping="free")])
    _import(settings, sellers, listings)
    with unit_of_work(settings) as session:
        assert session.get(Seller, "S-1").extra == {"rating": 4.5}  # type: ignore[union-attr]
        assert session.get(Listing, "L-1").extra == {"shipping": "free"}  # type: ignore[union-attr]
        kinds = {(i.kind, i.value) for i in session.query(SellerIdentifier)}
        assert ("device", "d-S-1") in kinds


def test_when_listing_images_are_relative_then_they_resolve_against_the_file(
    settings: Settings, tmp_path: Path
) -> None:
    folder = tmp_path / "feed"
    sellers = write_jsonl(folder / "s.jsonl", [seller("S-1")])
    listings = write_jsonl(folder / "l.jsonl", [listing("L-1", "S-1", images=["img/a.jpg"])])
    _import(settings, sellers, listings)
    with unit_of_work(settings) as session:
        row = session.get(Listing, "L-1")
        assert row is not None and row.image_root == str(folder.resolve())


def test_when_a_seller_status_is_unknown_then_refused_and_nothing_changes(
    settings: Settings, tmp_path: Path
) -> None:
    _import(settings, write_jsonl(tmp_path / "s.jsonl", [seller("S-1")]))
    with unit_of_work(settings) as session:
        row = session.get(Seller, "S-1")
        assert row is not None
        with pytest.raises(InvalidInput, match="active, suspended, closed"):
            service.set_seller_status(
                session, actor=cli_principal(), seller=row, status="banned", reason="x"
            )
        service.set_seller_status(
            session, actor=cli_principal(), seller=row, status="suspended", reason="fraud"
        )
    with unit_of_work(settings) as session:
        assert session.get(Seller, "S-1").status == "suspended"  # type: ignore[union-attr]


def test_when_a_listing_id_repeats_in_one_file_then_the_first_loads_and_the_repeat_is_named(
    settings: Settings, tmp_path: Path
) -> None:
    sellers = write_jsonl(tmp_path / "sellers.jsonl", [seller("S-1")])
    listings = write_jsonl(
        tmp_path / "listings.jsonl",
        [
            listing("L-0", "S-1"),
            listing("L-2", "S-1"),
            listing("L-1", "S-1", title="The first L-1"),
            listing("L-1", "S-1", title="A second L-1 that must not overwrite the first"),
            listing("L-3", "S-1"),
        ],
    )
    _, report = _import(settings, sellers, listings)
    assert (report.created, report.rejected) == (4, 1)
    [error] = report.errors
    assert error.line == 4
    assert error.reason == "duplicate listing_id L-1 (first on line 3)"
    with unit_of_work(settings) as session:
        first = session.get(Listing, "L-1")
        assert first is not None and first.title == "The first L-1"
        assert session.get(Listing, "L-3") is not None


def test_when_a_seller_id_repeats_in_one_file_then_the_repeat_is_named(
    settings: Settings, tmp_path: Path
) -> None:
    sellers = write_jsonl(
        tmp_path / "sellers.jsonl",
        [seller("S-1", country="DE"), seller("S-2"), seller("S-1", country="CN")],
    )
    [report] = _import(settings, sellers)
    assert (report.created, report.rejected) == (2, 1)
    assert str(report.errors[0]).endswith(":3: duplicate seller_id S-1 (first on line 1)")
    with unit_of_work(settings) as session:
        assert session.get(Seller, "S-1").country == "DE"  # type: ignore[union-attr]
