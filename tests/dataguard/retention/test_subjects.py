"""A seller's access and erasure requests on SQLite and PostgreSQL: the document holds
everything about them and nobody else's data; erasure keeps what an obligation
requires, says why, and leaves the audit chain verifying."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from marketguard.audit.models import AuditRecord
from marketguard.audit.verify import verify_log
from marketguard.auth.roles import Principal, Role, cli_principal
from marketguard.catalog.models import Seller, SellerIdentifier
from marketguard.config import Settings
from marketguard.dataguard.exports import service as exports
from marketguard.dataguard.models import DataAccessLog
from marketguard.dataguard.retention import subjects
from marketguard.errors import NotFound
from marketguard.uow import audit_context, unit_of_work
from tests.dataguard.helpers import ADDRESS, NOTIFIER_EMAIL, PAYMENT, PHONE
from tests.dataguard.retention.helpers import OLD_BUYER, Aged, aged, snapshot


@pytest.fixture
def world(settings: Settings, tmp_path: Path) -> Aged:
    return aged(settings, tmp_path)


def _verified(settings: Settings) -> bool:
    context = audit_context(settings)
    with unit_of_work(settings) as session:
        return verify_log(session, context.key, context.checkpoints).ok


def test_when_a_seller_asks_for_their_data_then_one_document_holds_it_and_no_one_elses(
    settings: Settings, world: Aged
) -> None:
    with unit_of_work(settings) as session:
        document = subjects.export(session, actor=cli_principal(), seller_id="S-0001")
    raw = repr(document)
    assert document["seller"]["identifiers"]["phone"] == [PHONE]
    assert {(i["kind"], i["value"]) for i in document["identifiers"]} >= {
        ("payment", PAYMENT), ("address", ADDRESS)}
    assert {x["listing_id"] for x in document["listings"]} == {"L-1", "L-2", "L-9"}
    closures = document["enforcement"]["statements_of_reasons"]
    assert world.ids["closure_old"] in {s["id"] for s in closures}
    assert document["notices"]["items"][0]["listing_id"] == "L-1"
    assert {o["order_id"] for o in document["orders"]} == {"O-old", "O-new"}
    assert OLD_BUYER not in raw and NOTIFIER_EMAIL not in raw  # other people's data
    assert "retention-reviewer" not in raw  # staff names: only their role
    assert any(r["action"] == "enforcement.store.close" and r["by"] == "reviewer"
               for r in document["audit"])
    assert document["exports"] == []  # nothing about them was exported
    with unit_of_work(settings) as session:
        log = session.scalars(select(DataAccessLog).where(DataAccessLog.kind == "export")).one()
        audited = session.scalars(select(AuditRecord).where(
            AuditRecord.action == "data.subject.export")).one()
    assert (log.dataset, log.rows, log.purpose) == ("sellers", 1, subjects.SUBJECT_PURPOSE)
    assert "identifiers.phone" in log.fields
    assert audited.object_id == "S-0001" and PHONE not in (audited.reason or "")


def test_when_exports_are_recorded_then_the_document_lists_them(
    settings: Settings, world: Aged
) -> None:
    employee = Principal(token_id="t-e", name="erin.employee", role=Role.employee)
    made = {}
    for dataset, field in (("sellers", "seller_id"), ("listings", "title")):
        with unit_of_work(settings) as session:
            row = exports.export(session, principal=employee, settings=settings,
                                 ask=exports.ExportAsk(
                                     dataset=dataset, fields=[field], format="csv",
                                     recipient_kind="employee", recipient_id="erin.employee",
                                     purpose="quarterly seller review"))
            made[dataset] = row.id
    with unit_of_work(settings) as session:
        document = subjects.export(session, actor=cli_principal(), seller_id="S-0002")
    assert [e["id"] for e in document["exports"]] == [made["sellers"]]
    assert all("fingerprint" not in e for e in document["exports"])


def test_when_an_open_store_is_erased_then_identifiers_go_and_the_chain_verifies(
    settings: Settings, world: Aged
) -> None:
    with unit_of_work(settings) as session:
        result = subjects.erase(session, actor=cli_principal(), seller_id="S-0002",
                                reason="request 2026-118")
    erased = {(e.table, e.field): e.rows for e in result.erased}
    assert erased[("sellers", "identifiers")] == 2  # device, payment
    assert erased[("seller_identifiers", "value")] == 2
    kept = {k.table: k for k in result.kept}
    assert "DSA Art. 17" in kept["enforcement_statements"].why
    assert "digests" in kept["audit_records"].why
    with unit_of_work(settings) as session:
        seller = session.get(Seller, "S-0002")
        assert seller is not None and seller.identifiers == {} and seller.extra == {}
        assert seller.status == "active"  # the account itself stays
        left = session.scalars(select(SellerIdentifier).where(
            SellerIdentifier.seller_id == "S-0002")).all()
        audited = session.scalars(select(AuditRecord).where(
            AuditRecord.action == "data.subject.erase")).one()
    assert left == []
    assert audited.reason == "request 2026-118"
    assert _verified(settings)


def test_when_a_recently_closed_store_is_erased_then_identifiers_are_kept_until_a_date(
    settings: Settings, world: Aged
) -> None:
    with unit_of_work(settings) as session:
        result = subjects.erase(session, actor=cli_principal(), seller_id="S-0003",
                                reason="request")
    held = [k for k in result.kept if k.what.startswith("identifiers.")]
    assert sorted(k.what.split(" ")[0] for k in held) == ["identifiers.device",
                                                          "identifiers.phone"]
    assert "repeat-infringer" in held[0].why
    with unit_of_work(settings) as session:
        seller = session.get(Seller, "S-0003")
        assert seller is not None and set(seller.identifiers) == {"device", "phone"}
        assert seller.extra == {}  # kept input fields are not needed to recognise anyone


def test_when_erased_twice_then_the_second_erases_nothing(
    settings: Settings, world: Aged
) -> None:
    for _ in range(2):
        with unit_of_work(settings) as session:
            result = subjects.erase(session, actor=cli_principal(), seller_id="S-0001",
                                    reason="request")
    assert {e.rows for e in result.erased} == {0}
    assert _verified(settings)


def test_when_the_seller_is_unknown_then_refused_and_nothing_changes(
    settings: Settings, world: Aged
) -> None:
    before = snapshot(settings)
    for call in (subjects.export, subjects.erase):
        with pytest.raises(NotFound, match="no seller 'S-404'"):
            with unit_of_work(settings) as session:
                if call is subjects.erase:
                    subjects.erase(session, actor=cli_principal(), seller_id="S-404",
                                   reason="x")
                else:
                    subjects.export(session, actor=cli_principal(), seller_id="S-404")
    assert snapshot(settings) == before
