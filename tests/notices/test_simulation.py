"""The simulated month exercises every path and yields a consistent transparency report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from marketguard.audit.verify import verify_chain
from marketguard.auth.roles import SYSTEM
from marketguard.catalog import service as catalog_service
from marketguard.config import Settings
from marketguard.notices.simulation import run_simulated_notices
from marketguard.reports import service as reports
from marketguard.uow import audit_context, unit_of_work
from tests.factories import listing, seller, write_jsonl
from tests.notices.helpers import make_world

START = datetime(2026, 11, 1, tzinfo=UTC)


def _market(settings: Settings, folder: Path, *, sellers: int, per_seller: int) -> list[str]:
    """Add sellers M-n with listings M-n-k; return the listing ids."""
    ids = [f"M-{s}-{k}" for s in range(sellers) for k in range(per_seller)]
    sellers_file = write_jsonl(folder / "m_sellers.jsonl",
                               [seller(f"M-{s}") for s in range(sellers)])
    listings_file = write_jsonl(folder / "m_listings.jsonl",
                                [listing(lid, lid.rsplit("-", 1)[0]) for lid in ids])
    with unit_of_work(settings) as session:
        catalog_service.import_sellers(session, actor=SYSTEM, path=sellers_file)
        catalog_service.import_listings(session, actor=SYSTEM, path=listings_file)
    return ids


def test_when_a_month_is_simulated_then_notices_appeals_and_sanctions_all_happen(
    sqlite_url: str, tmp_path: Path
) -> None:
    from tests.conftest import make_settings

    settings: Settings = make_settings(sqlite_url, tmp_path)
    world = make_world(settings, tmp_path, verify=False)
    listings = _market(settings, tmp_path, sellers=25, per_seller=3)
    truth = {lid for n, lid in enumerate(listings) if n % 3}
    with unit_of_work(settings) as session:
        summary = run_simulated_notices(
            session, brand_ids=[world.ids["acme"], world.ids["borealis"]],
            listing_ids_by_brand={world.ids["acme"]: listings, world.ids["borealis"]: listings},
            counterfeit_truth=truth, start=START, days=20, rng_seed=3,
            notices_per_brand_day=1.5)
    assert summary.notices > 20 and summary.takedowns > 10 and summary.rejections > 3
    assert summary.appeals > 0 and "careless" in summary.brands.values()
    with unit_of_work(settings) as session:
        report = reports.transparency(session, start=START, end=START + timedelta(days=20))
        assert report.notices_received == summary.notices
        assert report.takedowns_reactive > 0 and report.appeals_filed == summary.appeals
        assert report.share_within_24h is not None and 0.5 < report.share_within_24h <= 1
        context = audit_context(settings)
        finding = verify_chain(session, context.key, context.checkpoints.read())
    assert finding.ok, finding.message


def test_when_the_same_seed_runs_twice_then_the_month_is_the_same(
    settings: Settings, session: Session, tmp_path: Path
) -> None:
    world = make_world(settings, tmp_path, extra_listings=6)
    listings = [f"L-{n}" for n in range(1, 11)]
    kwargs = dict(brand_ids=[world.ids["acme"]],
                  listing_ids_by_brand={world.ids["acme"]: listings},
                  counterfeit_truth={"L-3", "L-4", "L-5"}, days=3, rng_seed=9)
    first = run_simulated_notices(session, start=START, **kwargs)  # type: ignore[arg-type]
    assert first.notices > 0 and first.brands == {world.ids["acme"]: first.brands[
        world.ids["acme"]]}
