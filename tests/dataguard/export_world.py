"""A world for export tests: the data-protection world plus a crowd of sellers to export.

Twelve more sellers share a country and a signup month (so a desensitized file
passes k-anonymity with k = 5); two of them opted out of third-party sharing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from pyrage import x25519
from sqlalchemy import func, select

from marketguard.auth.roles import Role
from marketguard.catalog import service as catalog_service
from marketguard.config import Settings
from marketguard.dataguard.exports.models import (
    DataExport,
    DataExportApproval,
    DataVendor,
    DataVendorKey,
)
from marketguard.dataguard.models import DataAccessLog
from marketguard.uow import unit_of_work
from tests.dataguard.helpers import DataWorld, decide, request_access, seed
from tests.factories import seller, write_jsonl
from tests.notices.helpers import principal

API = "/api/v1/data"
CROWD = [f"S-01{n:02d}" for n in range(12)]
OPTED_OUT = {"S-0103", "S-0107"}


def crowd_phone(seller_id: str) -> str:
    return f"+49151000{seller_id[-4:]}"


def seed_exports(settings: Settings, folder: Path) -> DataWorld:
    """Seed the data-protection world, then the crowd of sellers."""
    world = seed(settings, folder)
    records: list[dict[str, Any]] = []
    for seller_id in CROWD:
        extra: dict[str, Any] = {}
        if seller_id in OPTED_OUT:
            extra["consent"] = {"third_party_sharing": False}
        elif seller_id.endswith("1"):
            extra["consent"] = {"third_party_sharing": True}
        records.append(seller(seller_id, created_at="2026-10-05T09:30:00Z", identifiers={
            "phone": [crowd_phone(seller_id)], "ip": [f"198.51.100.{int(seller_id[-2:]) + 10}"],
            "payment": [f"p-{seller_id}"],
        }, **extra))
    path = write_jsonl(folder / "crowd.jsonl", records)
    with unit_of_work(settings) as session:
        report = catalog_service.import_sellers(
            session, actor=principal(Role.platform_admin, "admin"), path=path
        )
    assert report.ok, report.errors
    return world


def granted(client: TestClient, world: DataWorld, who: str, fields: list[str],
            dataset: str = "sellers", purpose: str = "investigate a counterfeit ring") -> str:
    """Give ``who`` a live grant on ``fields`` (two approvers for level 4); return its id."""
    asked = request_access(client, world.headers[who], dataset=dataset, fields=fields,
                           purpose=purpose, duration="PT1H")
    assert asked.status_code == 201, asked.text
    answer = decide(client, world.headers["olga"], asked.json()["id"])
    if answer.json()["status"] == "pending":
        answer = decide(client, world.headers["oscar"], asked.json()["id"])
    assert answer.json()["status"] == "approved", answer.text
    return str(answer.json()["grant"]["id"])


def export(client: TestClient, who: dict[str, str], *, fields: list[str],
           dataset: str = "sellers", fmt: str = "csv", recipient: tuple[str, str] | None = None,
           **extra: Any) -> Any:
    kind, ident = recipient or ("employee", "alice")
    body = {"dataset": dataset, "fields": fields, "format": fmt,
            "recipient": {"kind": kind, "id": ident}, **extra}
    return client.post(f"{API}/exports", headers=who, json=body)


def new_identity() -> x25519.Identity:
    return x25519.Identity.generate()


def key_file(folder: Path, identity: x25519.Identity, name: str = "vendor-key.txt") -> Path:
    """Write an identity in age's key-file format (as age-keygen does)."""
    path = folder / name
    path.write_text(f"# public key: {identity.to_public()}\n{identity}\n")
    path.chmod(0o600)
    return path


def stored(settings: Settings) -> dict[str, int]:
    """Rows of every export table, the access log, and files kept, to show nothing changed."""
    with unit_of_work(settings) as session:
        found = {
            model.__tablename__: int(session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (DataExport, DataExportApproval, DataVendor, DataVendorKey,
                          DataAccessLog)
        }
    folder = settings.exports_dir()
    found["files"] = len(list(folder.iterdir())) if folder.is_dir() else 0
    return found
