"""``retention apply`` erases exactly what is past its period, on SQLite and PostgreSQL,
changes nothing in a dry run, finds nothing the second time, and leaves statements of
reasons and the audit chain working."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from marketguard.audit.models import AuditRecord
from marketguard.audit.verify import verify_log
from marketguard.auth.roles import cli_principal
from marketguard.config import Settings
from marketguard.dataguard.retention import sweep
from marketguard.dataguard.retention.policy import RULES_BY_FIELD
from marketguard.errors import InvalidInput
from marketguard.reports import dsa
from marketguard.uow import audit_context, unit_of_work
from tests.dataguard.helpers import NOTIFIER_EMAIL, PHONE
from tests.dataguard.retention.helpers import NEW_BUYER, OLD_BUYER, Aged, aged, snapshot
from tests.factories import auth, token


@pytest.fixture
def world(settings: Settings, tmp_path: Path) -> Aged:
    return aged(settings, tmp_path)


def run(settings: Settings, world: Aged, *, dry_run: bool = False,
        datasets: tuple[str, ...] = ()) -> sweep.RetentionReport:
    with unit_of_work(settings) as session:
        return sweep.apply(session, actor=cli_principal(), settings=settings, dry_run=dry_run,
                           datasets=datasets, now=world.now)


def rows(report: sweep.RetentionReport) -> dict[str, int]:
    return {o.field: o.rows for o in report.outcomes if o.rows}


def verified(settings: Settings) -> bool:
    context = audit_context(settings)
    with unit_of_work(settings) as session:
        return verify_log(session, context.key, context.checkpoints).ok


EXPECTED = {  # the aged world: one old closed store, one old order, one old notice, ...
    "sellers.identifiers.phone": 1, "sellers.identifiers.address": 1,
    "sellers.identifiers.ip": 1, "sellers.identifiers.device": 1,
    "sellers.identifiers.payment": 1, "sellers.identifiers.*": 1,  # loyalty
    "sellers.*": 1, "listings.*": 1, "orders.user_id": 1, "orders.*": 1,
    "notices.notifier.name": 1, "notices.notifier.email": 1,
    "idempotency_records.body": 1,
}


def test_when_a_dry_run_is_asked_then_counts_are_given_and_nothing_changes(
    settings: Settings, world: Aged
) -> None:
    before = snapshot(settings)
    report = run(settings, world, dry_run=True)
    assert rows(report) == EXPECTED
    assert report.per_dataset()["sellers"] == 7
    assert snapshot(settings) == before  # no data and no audit record either


def test_when_applied_then_what_is_past_its_period_is_gone_and_nothing_else(
    settings: Settings, world: Aged
) -> None:
    before = snapshot(settings)
    report = run(settings, world)
    assert rows(report) == EXPECTED
    after = snapshot(settings)
    sellers = {s[0]: s for s in after["sellers"]}
    assert sellers["S-0001"][1:] == ({}, {})  # closed 400 days ago: identifiers, kept fields
    assert sellers["S-0003"] == {s[0]: s for s in before["sellers"]}["S-0003"]  # 30 days
    assert sellers["S-0002"][1] != {}  # an open store keeps its identifiers
    assert not [i for i in after["seller_identifiers"] if i[0] == "S-0001"]
    assert [i for i in after["seller_identifiers"] if i[0] == "S-0003"]
    assert dict(after["listings"])["L-9"] == {} and dict(after["listings"])["L-10"] != {}
    orders = {o[0]: o for o in after["orders"]}
    assert orders["O-old"][1:] == (None, {}) and orders["O-new"][1] == NEW_BUYER
    notices = {n[0]: n for n in after["notices"]}
    assert notices[world.ids["notice"]][1:] == (sweep.ERASED, sweep.ERASED)
    assert notices[world.ids["notice_recent"]][2] == "recent@acme.example"
    assert after["idempotency"] == ["new"]
    text = repr(after)
    assert PHONE not in text and OLD_BUYER not in text and NOTIFIER_EMAIL not in text


def test_when_applied_then_one_audit_record_holds_the_counts_and_the_chain_verifies(
    settings: Settings, world: Aged
) -> None:
    run(settings, world)
    with unit_of_work(settings) as session:
        found = list(session.scalars(
            select(AuditRecord).where(AuditRecord.action == "data.retention.apply")))
    assert len(found) == 1
    assert found[0].reason is not None and "sellers 7" in found[0].reason
    assert "notices 2" in found[0].reason and PHONE not in found[0].reason
    assert verified(settings)


def test_when_applied_twice_then_the_second_run_finds_nothing(
    settings: Settings, world: Aged
) -> None:
    run(settings, world)
    once = snapshot(settings)
    again = run(settings, world)
    assert rows(again) == {}
    assert {k: v for k, v in snapshot(settings).items() if k != "audit"} == {
        k: v for k, v in once.items() if k != "audit"}
    assert verified(settings)


def test_when_applied_then_statements_of_reasons_still_read_and_export(
    settings: Settings, world: Aged, client: TestClient
) -> None:
    run(settings, world)
    reviewer = auth(token(settings, "reviewer", name="after-retention"))
    for key in ("closure_old", "closure_recent"):
        answer = client.get(f"/api/v1/statements/{world.ids[key]}", headers=reviewer)
        assert answer.status_code == 200, answer.text
        assert answer.json()["seller_id"] in ("S-0001", "S-0003")
    with unit_of_work(settings) as session:
        exported = list(dsa.export(session, since=world.now.replace(year=2000)))
    assert world.ids["closure_old"] in {s["puid"] for s in exported}
    records = client.get("/api/v1/data/datasets/sellers/records", headers=reviewer)
    assert records.status_code == 200
    assert {r["seller_id"]: r for r in records.json()["items"]}["S-0001"]["identifiers"] == {}


def test_when_one_dataset_is_named_then_only_it_is_swept(
    settings: Settings, world: Aged
) -> None:
    report = run(settings, world, datasets=("notices",))
    assert {o.dataset for o in report.outcomes} == {"notices"}
    after = snapshot(settings)
    assert dict((o[0], o[1]) for o in after["orders"])["O-old"] == OLD_BUYER


def test_when_an_unknown_dataset_is_named_then_refused_and_nothing_changes(
    settings: Settings, world: Aged
) -> None:
    before = snapshot(settings)
    with pytest.raises(InvalidInput, match="no retention period applies to dataset"):
        run(settings, world, datasets=("notices", "brands"))
    assert snapshot(settings) == before


def test_when_a_period_is_overridden_then_the_sweep_follows_it(
    settings: Settings, world: Aged
) -> None:
    longer = settings.model_copy(update={"data_retention": {
        "notices.notifier.email": "P500D", "orders.user_id": "P5D"}})
    report = run(longer, world)
    found = rows(report)
    assert "notices.notifier.email" not in found  # 400 days < 500
    assert found["notices.notifier.name"] == 1
    assert found["orders.user_id"] == 2  # both orders are older than five days


def test_every_rule_is_enforced_by_exactly_one_applier() -> None:
    enforced: list[Any] = [r for a in sweep.APPLIERS.values() for r in a.rules]
    assert sorted(enforced) == sorted(RULES_BY_FIELD)
