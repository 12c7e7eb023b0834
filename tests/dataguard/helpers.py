"""A seeded world for data-protection tests: sellers with identifiers, a notice, people."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from marketguard.config import Settings
from marketguard.dataguard.models import (
    DataAccessApproval,
    DataAccessLog,
    DataAccessRequest,
    DataGrant,
)
from marketguard.notices import service as notices_service
from marketguard.uow import unit_of_work
from tests.factories import auth, seller, token, write_jsonl
from tests.notices.helpers import make_world, submission

PHONE = "+8613800138021"
PAYMENT = "p-card-4242-0007"
ADDRESS = "12 Harbour Road, Shenzhen"
IP = "203.0.113.9"
DEVICE = "dev-91af3c"
NOTIFIER_EMAIL = "ada@acme.example"

PEOPLE = {
    "alice": ("employee", None),
    "bob": ("employee", None),
    "olga": ("data_owner", None),
    "oscar": ("data_owner", None),
    "sam": ("data_owner", "listings"),
    "rita": ("reviewer", None),
    "audrey": ("auditor", None),
    "ada": ("analyst", None),
    "root": ("platform_admin", None),
}


@dataclass(frozen=True)
class DataWorld:
    """Who is who (name -> bearer headers) and what is stored."""

    headers: dict[str, dict[str, str]]
    ids: dict[str, Any]


def seed(settings: Settings, folder: Path) -> DataWorld:
    """Seed the marketplace, give S-0001 every identifier kind, file a notice, issue tokens."""
    world = make_world(settings, folder)
    path = write_jsonl(folder / "identified.jsonl", [
        seller("S-0001", identifiers={
            "phone": [PHONE], "payment": [PAYMENT], "address": [ADDRESS], "ip": [IP],
            "device": [DEVICE], "loyalty": ["LOY-778812"],
        }, vat_number="CN-9988776655"),
    ])
    from marketguard.catalog import service as catalog_service

    with unit_of_work(settings) as session:
        catalog_service.import_sellers(session, actor=world.admin, path=path)
        notice = notices_service.file_notice(
            session, actor=world.acme, submission=submission(world.ids["acme_right"], ["L-1"])
        )
        world.ids["notice"] = notice.id
    headers = {}
    for name, (role, dataset) in PEOPLE.items():
        secret = token(settings, role, name=name, dataset=dataset)
        headers[name] = auth(secret)
    return DataWorld(headers=headers, ids=world.ids)


def counts(settings: Settings) -> dict[str, int]:
    """Rows in each data-protection table, to show a refusal stored nothing."""
    with unit_of_work(settings) as session:
        return {
            model.__tablename__: int(session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (DataAccessRequest, DataAccessApproval, DataGrant, DataAccessLog)
        }


def request_access(
    client: TestClient, who: dict[str, str], *, dataset: str = "sellers",
    fields: list[str] | None = None, purpose: str = "investigate a counterfeit ring",
    duration: str = "PT8H",
) -> Any:
    return client.post("/api/v1/data/access-requests", headers=who, json={
        "dataset": dataset, "fields": fields or ["identifiers.phone"], "purpose": purpose,
        "duration": duration,
    })


def decide(client: TestClient, who: dict[str, str], request_id: str, outcome: str = "approve",
           reason: str = "needed for the case") -> Any:
    return client.post(f"/api/v1/data/access-requests/{request_id}/decision", headers=who,
                       json={"outcome": outcome, "reason": reason})


def sellers(client: TestClient, who: dict[str, str]) -> dict[str, dict[str, Any]]:
    answer = client.get("/api/v1/data/datasets/sellers/records", headers=who)
    assert answer.status_code == 200, answer.text
    return {r["seller_id"]: r for r in answer.json()["items"]}
