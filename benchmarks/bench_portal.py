"""Benchmark the rights holders' and reviewers' notice pages: server time per page.

Seeds one brand with 10,000 open notices (one listing each, filed through the
notices service's bulk path), 300 decided listings and 20 appeals, then asks
every page many times through the app in process (no network: the server's own
time, from the request entering the app to the last byte of the answer) and
prints p50 / p95 per page. Each page is compared, as a ratio in the same run,
with the API route that serves the same data as JSON (the baseline a page must
not be much slower than). Goal: every page <= 50 ms p95.

Run: ``python benchmarks/bench_portal.py [--notices 10000] [--repeat 200]
[--postgres postgresql://postgres@127.0.0.1:5432/postgres]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson
from fastapi.testclient import TestClient
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, select, text

from marketguard import db
from marketguard.app import create_app
from marketguard.audit import service as audit
from marketguard.auth import people, portal_sessions
from marketguard.auth import service as auth_service
from marketguard.auth.roles import Principal, Role, cli_principal
from marketguard.brands import service as brands_service
from marketguard.catalog import service as catalog_service
from marketguard.config import Settings
from marketguard.models import Base
from marketguard.notices import appeals, service
from marketguard.notices.models import Notice
from marketguard.uow import unit_of_work
from marketguard.web.guard import SESSION_COOKIE

SECRET = "benchmark-secret-not-for-production"
EXPLANATION = "Counterfeit packs bearing our registered mark and copied photos."
GOAL_MS = 50.0


def settings_for(url: str, folder: Path) -> Settings:
    return Settings(environment="test", database_url=url, data_dir=folder,
                    secret_key=SECRET, audit_checkpoint_path=folder / "audit-head.json")


def seed(settings: Settings, folder: Path, notices: int) -> dict[str, str]:
    """One brand, ``notices`` open one-listing notices, some decided, some appealed."""
    Base.metadata.create_all(db.get_engine(settings.database_url))
    with unit_of_work(settings) as session:
        audit.start_log_if_new(session)
    (folder / "brand.json").write_bytes(orjson.dumps({
        "brand": "Bench Outdoor", "rights": [
            {"kind": "trademark", "number": "EU-000000042", "jurisdiction": "EU"}],
        "products": [{"name": f"Bench Pack {n}", "model_numbers": [f"BP{n}"],
                      "msrp": {"amount": 18900, "currency": "EUR"}} for n in range(20)]}))
    sellers = [{"seller_id": f"S-{n}", "created_at": "2025-06-01T00:00:00Z"} for n in range(500)]
    rows = [{"listing_id": f"L-{n}", "seller_id": f"S-{n % 500}",
             "created_at": "2025-12-01T00:00:00Z", "title": f"Pack {n}",
             "price": {"amount": 2900, "currency": "EUR"}} for n in range(notices)]
    (folder / "sellers.jsonl").write_bytes(b"\n".join(orjson.dumps(s) for s in sellers))
    (folder / "listings.jsonl").write_bytes(b"\n".join(orjson.dumps(r) for r in rows))
    admin = cli_principal("bench")
    with unit_of_work(settings) as session:
        brands_service.import_packs(session, actor=admin, path=folder / "brand.json")
        catalog_service.import_sellers(session, actor=admin, path=folder / "sellers.jsonl")
        catalog_service.import_listings(session, actor=admin, path=folder / "listings.jsonl")
        brand = brands_service.resolve_brand(session, "Bench Outdoor")
        right = brands_service.rights_of(session, [brand.id])[brand.id][0]
        brands_service.verify_right(session, actor=admin, right_id=right.id,
                                    status="verified", reason="benchmark")
    agent = Principal(token_id="bench", name="agent", role=Role.rights_holder, brand_id=brand.id)
    reviewer = Principal(token_id="bench", name="reviewer", role=Role.reviewer)
    began = time.perf_counter()
    for start in range(0, notices, 2000):
        lines = ["right_id,listing,explanation,notifier_name,notifier_email,good_faith,"
                 "notice_ref"]
        lines += [f'{right.id},L-{n},"{EXPLANATION}",Bench Agent,agent@bench.example,true,n{n}'
                  for n in range(start, min(start + 2000, notices))]
        with unit_of_work(settings) as session:
            service.file_bulk(session, actor=agent, body="\n".join(lines).encode(),
                              content_type="text/csv")
    print(f"  filed in {time.perf_counter() - began:.0f} s")
    began = time.perf_counter()
    with unit_of_work(settings) as session:
        first = list(session.scalars(select(Notice).order_by(Notice.id).limit(300)))
        for n, notice in enumerate(first):
            listing = session.scalars(text("SELECT listing_id FROM notice_items WHERE "
                                           "notice_id = :n").bindparams(n=notice.id)).one()
            service.decide(session, actor=reviewer, notice_id=notice.id, listing_id=listing,
                           outcome="takedown" if n % 3 else "reject", reason="benchmark")
    print(f"  decided in {time.perf_counter() - began:.0f} s")
    appealed = ""
    with unit_of_work(settings) as session:
        taken = session.execute(text(
            "SELECT listing_id, seller_id FROM notice_items WHERE status = 'taken_down' "
            "ORDER BY id LIMIT 20")).all()
        for listing_id, seller_id in taken:
            seller = Principal(token_id="bench", name=seller_id, role=Role.seller,
                               seller_id=seller_id)
            appealed = appeals.file_appeal(session, actor=seller, listing_id=listing_id,
                                           explanation="Genuine goods, invoice attached.").id
        token = auth_service.create_token(session, actor=admin, name="bench agent",
                                          role="rights_holder", brand_id=brand.id).secret
        staff = auth_service.create_token(session, actor=admin, name="bench reviewer",
                                          role="reviewer").secret
        notice_id = first[-1].id
        last = session.scalars(select(Notice.id).order_by(Notice.id.desc()).limit(1)).one()
    cookies = {}
    for role, scope in (("rights_holder", {"brand_id": brand.id}), ("reviewer", {})):
        with unit_of_work(settings) as session:
            person = people.create_person(session, actor=admin, email=f"{role}@bench.example",
                                          role=role, **scope)
            _, cookies[role] = portal_sessions.start(session, person)
    return {"agent_token": token, "reviewer_token": staff, "decided": notice_id,
            "open": last, "appeal": appealed, "agent_cookie": cookies["rights_holder"],
            "reviewer_cookie": cookies["reviewer"]}


def next_link(html: str, path: str) -> str:
    found = re.search(re.escape(path) + r"\?cursor=([^\"&]+)", html)
    assert found is not None, f"no next page on {path}"
    return f"{path}?cursor={found.group(1)}"


def deep(client: TestClient, path: str, pages: int) -> str:
    """The URL of page ``pages + 1`` of a paginated page, followed link by link."""
    url = path
    for _ in range(pages):
        url = next_link(client.get(url).text, path)
    return url


def timed(client: TestClient, url: str, repeat: int,
          **kwargs: object) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of ``repeat`` requests (CPU: this process, every thread).

    Why both: on a shared machine the wall clock includes waiting for a core;
    the CPU time is the work the server did, whatever the load.
    """
    client.get(url, **kwargs)  # type: ignore[arg-type]  # warm: templates, caches
    wall, cpu = [], []
    for _ in range(repeat):
        began, began_cpu = time.perf_counter(), time.process_time()
        answer = client.get(url, **kwargs)  # type: ignore[arg-type]
        wall.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
        if answer.status_code != 200:
            raise RuntimeError(f"{url}: {answer.status_code} {answer.text[:300]}")
    return wall, cpu


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def run(settings: Settings, folder: Path, notices: int, repeat: int, label: str,
        table: Table) -> None:
    began = time.perf_counter()
    ids = seed(settings, folder, notices)
    print(f"[{label}] seeded {notices:,} notices in {time.perf_counter() - began:.0f} s")
    agent_api = {"Authorization": f"Bearer {ids['agent_token']}"}
    staff_api = {"Authorization": f"Bearer {ids['reviewer_token']}"}
    with TestClient(create_app(settings)) as client:
        client.cookies.set(SESSION_COOKIE, ids["agent_cookie"])
        far = max(1, min(100, (notices - 300) // 25 - 1))
        dashboard_deep = deep(client, "/portal/notices", far)
        agent_pages = [
            (f"dashboard (first page of {notices:,} open)", "/portal/notices",
             "/api/v1/notices?status=triaged&limit=25", agent_api),
            (f"dashboard, page {far + 1}", dashboard_deep,
             "/api/v1/notices?status=triaged&limit=25", agent_api),
            ("file a notice (form)", "/portal/notices/new", "/api/v1/brands?limit=25", agent_api),
            ("notice page (decided)", f"/portal/notices/{ids['decided']}",
             f"/api/v1/notices/{ids['decided']}", agent_api),
            ("notice live part (poll)", f"/portal/notices/{ids['open']}/live",
             f"/api/v1/notices/{ids['open']}", agent_api),
            ("brand rights and products", "/portal/brand", "/api/v1/brands?limit=25", agent_api),
            ("appeals list", "/portal/brand/appeals", "/api/v1/appeals?limit=25", agent_api),
            ("appeal page", f"/portal/brand/appeals/{ids['appeal']}",
             f"/api/v1/appeals/{ids['appeal']}", agent_api),
        ]
        measure(client, agent_pages, repeat, label, table)
        client.cookies.set(SESSION_COOKIE, ids["reviewer_cookie"])
        queue_deep = deep(client, "/portal/review/notices", far)
        reviewer_pages = [
            (f"review queue (first page of {notices:,})", "/portal/review/notices",
             "/api/v1/review/notices?limit=25", staff_api),
            (f"review queue, page {far + 1}", queue_deep, "/api/v1/review/notices?limit=25",
             staff_api),
            ("notice page with decide forms", f"/portal/notices/{ids['open']}",
             f"/api/v1/notices/{ids['open']}", staff_api),
        ]
        measure(client, reviewer_pages, repeat, label, table)


def measure(client: TestClient, pages: list[tuple[str, str, str, dict[str, str]]], repeat: int,
            label: str, table: Table) -> None:
    for name, url, api, headers in pages:
        page, page_cpu = timed(client, url, repeat)
        base, base_cpu = timed(client, api, repeat, headers=headers)
        p95 = p(page, 95)
        table.add_row(label, name, f"{p(page, 50):.1f}", f"{p95:.1f}", f"{p(page_cpu, 95):.1f}",
                      f"{p(base, 95):.1f}", f"{p(page_cpu, 50) / p(base_cpu, 50):.2f}×",
                      "yes" if p95 <= GOAL_MS else "NO")


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    name = f"bench_rhpages_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url.replace("postgresql://", "postgresql+psycopg://"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    try:
        yield f"{url}/{name}"
    finally:
        db.dispose_engines()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notices", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--postgres", help="an admin URL to create a scratch database in")
    options = parser.parse_args()
    console = Console(width=140)

    def new_table(database: str) -> Table:
        table = Table(title=f"Portal notice pages on {database}, server time in ms "
                      f"({options.repeat} requests each; {platform.machine()}, "
                      f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f})")
        for column in ("database", "page", "p50", "p95", "CPU p95", "API p95",
                       "page / API CPU", "p95 <= 50 ms"):
            table.add_column(column,
                             justify="left" if column in ("database", "page") else "right")
        return table

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "sqlite"
        folder.mkdir()
        table = new_table("SQLite")
        run(settings_for(f"sqlite:///{folder / 'bench.db'}", folder), folder, options.notices,
            options.repeat, "SQLite", table)
        console.print(table)  # each database's table as soon as it is measured
        if options.postgres:
            folder = Path(tmp) / "postgres"
            folder.mkdir()
            table = new_table("PostgreSQL")
            with postgres_database(options.postgres) as url:
                run(settings_for(url, folder), folder, options.notices, options.repeat,
                    "PostgreSQL", table)
            console.print(table)


if __name__ == "__main__":
    main()
