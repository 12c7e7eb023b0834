"""Benchmark the seller, review, data-owner and transparency pages with 10,000 items each.

Prints one table: server time per page (wall p50 / p95 and CPU p95 over
``--rounds`` requests, in-process through the ASGI app, so no network) next to
the CPU p95 of the API route that returns the same page of data, and their
ratio. The lists hold 10,000 listings of one seller, 10,000 held listings,
10,000 appeals awaiting a decision and 10,000 pending access requests, so
pagination is what keeps a page fast.

Run: ``python benchmarks/bench_staff_pages.py [--items 10000] [--rounds 200]
[--postgres postgresql://postgres@127.0.0.1:5432/postgres]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, insert, text

from marketguard import db
from marketguard.app import create_app
from marketguard.audit import service as audit
from marketguard.auth import people, portal_sessions
from marketguard.auth import service as auth_service
from marketguard.auth.roles import cli_principal
from marketguard.catalog.models import Listing, Seller
from marketguard.config import Settings
from marketguard.dataguard.models import DataAccessRequest
from marketguard.detection.models import ReviewCase, ScanDecision
from marketguard.enforcement import service as enforcement
from marketguard.models import Base
from marketguard.notices.models import Appeal
from marketguard.uow import unit_of_work
from marketguard.web.guard import SESSION_COOKIE

SECRET = "benchmark-secret-not-for-production"
T0 = datetime(2026, 6, 1, tzinfo=UTC)
REASONS = [
    {"signal": "counterfeit_terms", "detail": "counterfeit term 'replica' in title", "weight": 0.9,
     "data": {"term": "replica", "field": "title", "text": "replica"}},
    {"signal": "price", "detail": "15% of MSRP (29.00 EUR vs MSRP 189.00 EUR)", "weight": 0.6,
     "data": {"ratio": 0.15}},
    {"signal": "brand_text", "detail": "brand 'Bench Outdoor' in title", "weight": 0.4,
     "data": {"hits": [{"term": "Bench Outdoor", "field": "title", "text": "Bench Outdoor",
                        "start": 0, "end": 13}]}},
]


def settings_for(url: str, folder: Path) -> Settings:
    return Settings(environment="test", database_url=url, data_dir=folder, secret_key=SECRET,
                    audit_checkpoint_path=folder / "audit-head.json")


def rows(count: int, make: Callable[[int], dict[str, Any]]) -> list[dict[str, Any]]:
    return [make(n) for n in range(count)]


def seed(settings: Settings, items: int) -> dict[str, Any]:
    """Bulk-insert the four lists; return a case, an appeal and the statement they cite."""
    Base.metadata.create_all(db.get_engine(settings.database_url))
    with unit_of_work(settings) as session:
        audit.start_log_if_new(session)
        session.execute(insert(Seller), [
            {"seller_id": f"S-{n}", "created_at": T0, "identifiers": {}, "extra": {},
             "status": "active", "source_digest": "x"} for n in range(2)])
        session.execute(insert(Listing), rows(items * 2, lambda n: {
            "listing_id": f"L-{n:06d}", "seller_id": f"S-{n % 2}", "created_at": T0,
            "title": f"Bench Outdoor pack replica {n}", "description": "", "category": "bags",
            "price_amount": 2900, "price_currency": "EUR", "images": [], "attributes": {},
            "extra": {}, "status": "held" if n % 2 else "live", "source_digest": "x"}))
        session.execute(insert(ScanDecision), rows(items, lambda n: {
            "id": f"dec_{n:06d}", "listing_id": f"L-{2 * n + 1:06d}", "stage": "gate",
            "action": "review", "score": 0.6, "reasons": REASONS, "versions": {},
            "applied": True, "pending_full_scan": False, "created_at": T0}))
        session.execute(insert(ReviewCase), rows(items, lambda n: {
            "id": f"rvc_{n:06d}", "listing_id": f"L-{2 * n + 1:06d}",
            "decision_id": f"dec_{n:06d}", "score": 0.6, "status": "open", "opened_at": T0}))
        statement = enforcement.restrict_listing(
            session, actor=cli_principal(), listing_id="L-000000", action="remove",
            ground="terms_of_service", facts="counterfeit logo", automated_detection=False,
            automated_decision="not_automated", source="reviewer")
        session.execute(insert(Appeal), rows(items, lambda n: {
            "id": f"apl_{n:06d}", "statement_id": statement.id, "seller_id": "S-0",
            "listing_id": "L-000000", "explanation": "genuine goods, invoice attached",
            "evidence": [], "status": "awaiting_decision",
            "filed_at": T0 + timedelta(seconds=n)}))
        session.execute(insert(DataAccessRequest), rows(items, lambda n: {
            "id": f"dar_{n:06d}", "requester": f"employee{n}@example.com",
            "requester_role": "employee", "dataset": "sellers",
            "fields": ["identifiers.payment"], "level": 4, "purpose": "trace a fraud ring",
            "duration": "PT4H", "duration_s": 14400, "approvals_required": 2,
            "status": "pending", "created_at": T0}))
    return {"case": "rvc_000000", "appeal": "apl_000000"}


def cookie(settings: Settings, role: str, **scope: str) -> dict[str, str]:
    with unit_of_work(settings) as session:
        person = people.create_person(session, actor=cli_principal(),
                                      email=f"{role}@example.com", role=role, **scope)
        _, secret = portal_sessions.start(session, person)
    return {SESSION_COOKIE: secret}


def bearer(settings: Settings, role: str, **scope: str) -> dict[str, str]:
    with unit_of_work(settings) as session:
        issued = auth_service.create_token(session, actor=cli_principal(), name=role, role=role,
                                           **scope)
    return {"Authorization": f"Bearer {issued.secret}"}


def timed(client: TestClient, path: str, rounds: int, **kwargs: Any
          ) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds of ``rounds`` GETs (CPU: this process, every thread).

    CPU time is what the page costs the server; wall time also holds the waits
    for a core on a shared machine.
    """
    client.get(path, **kwargs)  # warm caches and templates
    wall, cpu = [], []
    for _ in range(rounds):
        start, start_cpu = time.perf_counter(), time.process_time()
        answer = client.get(path, **kwargs)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
    return wall, cpu


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18]


def run(url: str, folder: Path, items: int, rounds: int, label: str, table: Table) -> None:
    settings = settings_for(url, folder)
    ids = seed(settings, items)
    app = create_app(settings)
    jar = {role: cookie(settings, role, **scope) for role, scope in (
        ("seller", {"seller_id": "S-0"}), ("reviewer", {}), ("data_owner", {}))}
    tokens = {"seller": bearer(settings, "seller", seller_id="S-0"),
              "reviewer": bearer(settings, "reviewer"),
              "data_owner": bearer(settings, "data_owner")}
    cases: list[tuple[str, str, str | None, str | None]] = [
        ("seller: my listings", "/portal/listings", "/api/v1/listings?limit=50", "seller"),
        ("seller: a restricted listing", "/portal/listings/L-000000",
         "/api/v1/listings/L-000000", "seller"),
        ("reviewer: held listings", "/portal/review/listings", "/api/v1/review/listings?limit=50",
         "reviewer"),
        ("reviewer: one held listing", f"/portal/review/listings/{ids['case']}", None,
         "reviewer"),
        ("reviewer: appeals", "/portal/review/appeals",
         "/api/v1/appeals?status=awaiting_decision&limit=50", "reviewer"),
        ("reviewer: one appeal", f"/portal/review/appeals/{ids['appeal']}",
         f"/api/v1/appeals/{ids['appeal']}", "reviewer"),
        ("data owner: access requests", "/portal/access-requests",
         "/api/v1/data/access-requests?status=pending&limit=50", "data_owner"),
        ("public: transparency", "/transparency",
         "/api/v1/reports/transparency?from=2025-06-01&to=2026-06-01", None),
    ]
    with TestClient(app, base_url="http://localhost") as client:
        for name, page, api, role in cases:
            client.cookies.clear()
            if role:
                client.cookies.update(jar[role])
            page_wall, page_cpu = timed(client, page, rounds)
            client.cookies.clear()
            api_wall, api_cpu = (timed(client, api, rounds, headers=tokens.get(role or "", {}))
                                 if api else ([], []))
            ratio = f"{p95(page_cpu) / p95(api_cpu):.2f}×" if api_cpu else "—"
            table.add_row(label, name, f"{statistics.median(page_wall):.1f}",
                          f"{p95(page_wall):.1f}", f"{p95(page_cpu):.1f}",
                          f"{p95(api_cpu):.1f}" if api_cpu else "—", ratio)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--postgres", help="admin URL to create a scratch database in")
    args = parser.parse_args()
    table = Table(title=f"Portal pages with {args.items:,} items per list "
                        f"({platform.processor() or platform.machine()}, "
                        f"{os.cpu_count()} cores; ms, {args.rounds} requests each)")
    for column in ("database", "page", "wall p50", "wall p95", "CPU p95", "API CPU p95",
                   "page / API (CPU p95)"):
        table.add_column(column, justify="left" if column in ("database", "page") else "right")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        run(f"sqlite:///{folder / 'bench.db'}", folder / "sqlite", args.items, args.rounds,
            "SQLite", table)
        db.dispose_engines()
        if args.postgres:
            name = f"bench_staffpages_{uuid.uuid4().hex[:8]}"
            admin = create_engine(args.postgres.replace("postgresql://",
                                                        "postgresql+psycopg://"),
                                  isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            url = (args.postgres.rsplit("/", 1)[0].replace("postgresql://",
                                                           "postgresql+psycopg://") + "/" + name)
            try:
                run(url, folder / "pg", args.items, args.rounds, "PostgreSQL", table)
            finally:
                db.dispose_engines()
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
    Console().print(table)


if __name__ == "__main__":
    main()
