"""Benchmark notice and takedown: HTTP notice submission, bulk import, report generation.

Prints one table:

* ``POST /notices`` latency (p50 / p95 / p99) and throughput with 50 concurrent
  clients over real HTTP to a uvicorn server on 127.0.0.1 (SQLite; PostgreSQL too
  with ``--postgres URL`` of an admin database to create a scratch one in),
* bulk notice import (``POST /notices:bulk``, CSV) in listings per second,
* transparency report time for one month and for a whole year over 1,000,000
  enforcement statements (generated with bulk inserts), and the DSA export rate.

Run: ``python benchmarks/bench_notices.py [--requests 2000] [--clients 50]
[--statements 1000000] [--postgres postgresql://postgres@127.0.0.1:5432/postgres]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, insert, text

from marketguard import db
from marketguard.audit import service as audit
from marketguard.auth import service as auth_service
from marketguard.auth.roles import cli_principal
from marketguard.brands import service as brands_service
from marketguard.catalog import service as catalog_service
from marketguard.config import Settings
from marketguard.enforcement.models import Statement, StatementListing, Strike
from marketguard.models import Base
from marketguard.notices.goodfaith import notifier_for
from marketguard.notices.models import Appeal, Notice, NoticeItem
from marketguard.reports import dsa
from marketguard.reports import service as reports
from marketguard.uow import unit_of_work

SECRET = "benchmark-secret-not-for-production"
START = datetime(2026, 1, 1, tzinfo=UTC)


def settings_for(url: str, folder: Path) -> Settings:
    return Settings(environment="test", database_url=url, data_dir=folder,
                    secret_key=SECRET, audit_checkpoint_path=folder / "audit-head.json")


def seed(settings: Settings, folder: Path, listings: int) -> dict[str, str]:
    """One brand with a verified right, 500 sellers, ``listings`` listings, two tokens."""
    Base.metadata.create_all(db.get_engine(settings.database_url))
    with unit_of_work(settings) as session:
        audit.start_log_if_new(session)
    (folder / "brand.json").write_bytes(orjson.dumps({
        "brand": "Bench Outdoor", "rights": [
            {"kind": "trademark", "number": "EU-000000042", "jurisdiction": "EU"}]}))
    sellers = [{"seller_id": f"S-{n}", "created_at": "2025-06-01T00:00:00Z"} for n in range(500)]
    rows = [{"listing_id": f"L-{n}", "seller_id": f"S-{n % 500}",
             "created_at": "2025-12-01T00:00:00Z", "title": f"Pack {n}",
             "price": {"amount": 2900, "currency": "EUR"}} for n in range(listings)]
    (folder / "sellers.jsonl").write_bytes(b"\n".join(orjson.dumps(s) for s in sellers))
    (folder / "listings.jsonl").write_bytes(b"\n".join(orjson.dumps(r) for r in rows))
    actor = cli_principal("bench")
    with unit_of_work(settings) as session:
        brands_service.import_packs(session, actor=actor, path=folder / "brand.json")
        catalog_service.import_sellers(session, actor=actor, path=folder / "sellers.jsonl")
        catalog_service.import_listings(session, actor=actor, path=folder / "listings.jsonl")
        brand = brands_service.resolve_brand(session, "Bench Outdoor")
        right = brands_service.rights_of(session, [brand.id])[brand.id][0]
        brands_service.verify_right(session, actor=actor, right_id=right.id,
                                    status="verified", reason="benchmark")
        agent = auth_service.create_token(session, actor=actor, name="bench agent",
                                          role="rights_holder", brand_id=brand.id)
        notifier_for(session, brand_id=brand.id, now=START)
    return {"right_id": right.id, "token": agent.secret, "brand_id": brand.id}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(settings: Settings, folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start uvicorn on 127.0.0.1 serving the app on this database; wait until it answers."""
    port = free_port()
    env = {**os.environ, "MARKETGUARD_DATABASE_URL": settings.database_url,
           "MARKETGUARD_SECRET_KEY": SECRET, "MARKETGUARD_ENVIRONMENT": "test",
           "MARKETGUARD_AUDIT_CHECKPOINT_PATH": str(folder / "audit-head.json")}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "marketguard.app:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env, cwd=folder)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return server, base
        except httpx.HTTPError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("the server did not start")


async def submit(base: str, seeded: dict[str, str], requests: int, clients: int) -> list[float]:
    """File ``requests`` one-listing notices from ``clients`` concurrent clients."""
    headers = {"Authorization": f"Bearer {seeded['token']}"}
    latencies: list[float] = []
    counter = iter(range(requests))

    async def client() -> None:
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as http:
            for n in counter:
                body = {"right_id": seeded["right_id"], "listing_ids": [f"L-{n}"],
                        "explanation": "Counterfeit packs bearing our registered mark.",
                        "notifier": {"name": "Bench", "email": "bench@example.com"},
                        "good_faith": True}
                began = time.perf_counter()
                answer = await http.post("/api/v1/notices", json=body)
                latencies.append(time.perf_counter() - began)
                if answer.status_code != 201:
                    raise RuntimeError(f"notice refused after {latencies[-1]:.1f} s: "
                                       f"{answer.status_code} {answer.text}")

    await asyncio.gather(*(client() for _ in range(clients)))
    return latencies


def bulk(base: str, seeded: dict[str, str], first: int, count: int) -> float:
    """File ``count`` listings in one CSV (notices of 500 listings); return listings/s."""
    lines = ["right_id,listing,explanation,notifier_name,notifier_email,good_faith,notice_ref"]
    for n in range(first, first + count):
        lines.append(f"{seeded['right_id']},L-{n},Counterfeit packs bearing our mark,Bench,"
                     f"bench@example.com,true,batch-{n // 500}")
    began = time.perf_counter()
    answer = httpx.post(f"{base}/api/v1/notices:bulk", content="\n".join(lines).encode(),
                        headers={"Authorization": f"Bearer {seeded['token']}",
                                 "Content-Type": "text/csv"}, timeout=600)
    took = time.perf_counter() - began
    if answer.status_code != 201:
        raise RuntimeError(f"bulk refused: {answer.status_code} {answer.text[:500]}")
    return count / took


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def http_rows(label: str, url: str, folder: Path, requests: int, clients: int,
              bulk_count: int) -> list[tuple[str, str]]:
    settings = settings_for(url, folder)
    seeded = seed(settings, folder, requests + bulk_count)
    server, base = serve(settings, folder)
    try:
        began = time.perf_counter()
        latencies = asyncio.run(submit(base, seeded, requests, clients))
        wall = time.perf_counter() - began
        rate = bulk(base, seeded, requests, bulk_count)
    finally:
        server.terminate()
        server.wait(timeout=30)
    ms = [v * 1000 for v in latencies]
    return [
        (f"{label}: POST /notices, {clients} clients, p50 / p95 / p99",
         f"{quantile(ms, 0.5):.0f} / {quantile(ms, 0.95):.0f} / {quantile(ms, 0.99):.0f} ms"),
        (f"{label}: POST /notices throughput", f"{requests / wall:,.0f} notices/s"),
        (f"{label}: POST /notices:bulk ({bulk_count:,} listings, CSV)",
         f"{rate:,.0f} listings/s"),
    ]


def generate(url: str, statements: int, seed_value: int = 7) -> None:
    """Bulk-insert ``statements`` statements over 2026 plus notices, strikes, appeals."""
    engine = db.get_engine(url)
    Base.metadata.create_all(engine)
    rng = random.Random(seed_value)
    year = 365 * 24 * 3600
    sources = ["proactive"] * 6 + ["notice"] * 3 + ["test_buy"]
    chunk = 20_000
    with engine.begin() as connection:
        for first in range(0, statements, chunk):
            rows, links, notices, items, strikes, appeals = [], [], [], [], [], []
            for n in range(first, min(first + chunk, statements)):
                at = START + timedelta(seconds=rng.randrange(year))
                source = sources[n % 10]
                sid, listing = f"sor_{n:09d}", f"L-{n}"
                rows.append(dict(
                    id=sid, created_at=at, seller_id=f"S-{n % 5000}", listing_id=listing,
                    scope="listing", action="remove" if source != "proactive" else "block",
                    ground="illegal_content" if source == "notice" else "terms_of_service",
                    legal_ground="Infringement of trademark EU-1 (EU)", tos_clause="ToS 4.2",
                    explanation="Counterfeit.", facts="Generated for the benchmark.",
                    category="STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
                    keywords=["KEYWORD_TRADEMARK_INFRINGEMENT"], automated_detection=True,
                    automated_decision="fully", source=source, brand_id=None, right_id=None,
                    notice_id=None, notice_item_id=None, evidence={}, affected_listings=[],
                    content_date=at - timedelta(days=3), first_sale_at=None,
                    before_first_sale=rng.random() < 0.8, ends_at=None,
                    appeal_until=at + timedelta(days=183), redress="Appeal.",
                    status="reversed" if n % 50 == 0 else "active",
                    reversed_at=at + timedelta(days=2) if n % 50 == 0 else None,
                    reversal_reason="appeal" if n % 50 == 0 else None))
                links.append(dict(statement_id=sid, listing_id=listing))
                if source == "notice":
                    nid = f"ntc_{n:09d}"
                    late = rng.random() < 0.04
                    notices.append(dict(
                        id=nid, brand_id=f"brd_{n % 40}", right_id="rgt_1", notifier_id="ntf_1",
                        notifier_name="x", notifier_email="x@example.com", explanation="x",
                        good_faith=True, channel="api", filed_by="x", status="decided",
                        received_at=at - timedelta(hours=5), clock_started_at=at - timedelta(
                            hours=5), due_at=at + timedelta(hours=19),
                        decided_at=at + (timedelta(hours=25) if late else timedelta(0)),
                        breached_at=at + timedelta(hours=19) if late else None, risk=30,
                        fast_lane=False, slowed=False))
                    items.append(dict(id=f"nti_{n:09d}", notice_id=nid, listing_id=listing,
                                      seller_id=f"S-{n % 5000}", submitted_as=listing,
                                      status="taken_down", decided_at=at, statement_id=sid,
                                      manifestly_unfounded=False))
                    strikes.append(dict(id=f"stk_{n:09d}", seller_id=f"S-{n % 5000}",
                                        statement_id=sid, reason="notice", created_at=at,
                                        expires_at=at + timedelta(days=365)))
                    if n % 30 == 0:
                        appeals.append(dict(id=f"apl_{n:09d}", statement_id=sid,
                                            seller_id=f"S-{n % 5000}", explanation="x",
                                            evidence=[], status="rejected", filed_at=at,
                                            decided_at=at + timedelta(days=3)))
            for table, batch in ((Statement, rows), (StatementListing, links), (Notice, notices),
                                 (NoticeItem, items), (Strike, strikes), (Appeal, appeals)):
                if batch:
                    connection.execute(insert(table.__table__), batch)  # type: ignore[attr-defined]


def report_rows(label: str, url: str, statements: int) -> list[tuple[str, str]]:
    began = time.perf_counter()
    generate(url, statements)
    generated = time.perf_counter() - began
    settings = settings_for(url, Path(tempfile.mkdtemp()))
    out = []
    for name, start, end in (("one month", START + timedelta(days=181),
                              START + timedelta(days=212)),
                             ("whole year", START, START + timedelta(days=365))):
        with unit_of_work(settings) as session:
            began = time.perf_counter()
            report = reports.transparency(session, start=start, end=end)
            took = time.perf_counter() - began
        out.append((f"{label}: transparency report, {name} ({statements:,} statements)",
                    f"{took:.2f} s ({report.takedowns_proactive + report.takedowns_reactive:,}"
                    " takedowns)"))
    with unit_of_work(settings) as session:
        began = time.perf_counter()
        exported = sum(1 for _ in dsa.export(session, since=START + timedelta(days=334)))
        took = time.perf_counter() - began
    out.append((f"{label}: DSA export ({exported:,} statements)",
                f"{exported / took:,.0f} statements/s"))
    out.insert(0, (f"{label}: generate {statements:,} statements (bulk insert)",
                   f"{generated:.0f} s"))
    return out


def scratch_postgres(admin_url: str) -> tuple[str, Any]:
    admin = create_engine(admin_url.replace("postgresql://", "postgresql+psycopg://"),
                          isolation_level="AUTOCOMMIT")
    name = f"mg_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    return f"{url}/{name}", (admin, name)


def drop_postgres(handle: Any) -> None:
    admin, name = handle
    db.dispose_engines()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--bulk", type=int, default=10_000)
    parser.add_argument("--statements", type=int, default=1_000_000)
    parser.add_argument("--postgres", help="admin URL, e.g. postgresql://postgres@127.0.0.1/postgres")
    args = parser.parse_args()
    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "http").mkdir()
        rows += http_rows("SQLite", f"sqlite:///{folder / 'http' / 'bench.db'}", folder / "http",
                          args.requests, args.clients, args.bulk)
        if args.postgres:
            url, handle = scratch_postgres(args.postgres)
            try:
                (folder / "pg").mkdir()
                rows += http_rows("PostgreSQL", url, folder / "pg", args.requests, args.clients,
                                  args.bulk)
            finally:
                drop_postgres(handle)
        rows += report_rows("SQLite", f"sqlite:///{folder / 'report.db'}", args.statements)
        if args.postgres:
            url, handle = scratch_postgres(args.postgres)
            try:
                rows += report_rows("PostgreSQL", url, args.statements)
            finally:
                drop_postgres(handle)
    table = Table(title=f"Notice and takedown ({platform.python_implementation()} "
                        f"{platform.python_version()}, {os.cpu_count()} CPUs)")
    table.add_column("measure")
    table.add_column("result", justify="right")
    for measure, result in rows:
        table.add_row(measure, result)
    Console().print(table)


if __name__ == "__main__":
    main()
