"""Benchmark data protection: what masking, grants and the access log cost a read.

Prints one table, every row measured in the same run against its baseline:

* a page of 100 seller records read through ``GET /api/v1/data/datasets/sellers/records``
  as an employee without a grant (everything level 3/4 masked) and with a live
  grant (values shown, one access-log row written per page), against the same
  page served by a route that returns the loader's records as they are (no
  grant query, no masking, no log) — all three on one app and one database,
  requests interleaved so machine noise falls on all of them alike;
* the in-process grant check (``Visibility.permit`` on a fresh visibility, so
  nothing is memoised) p50 / p99, against a plain dictionary lookup.

Run: ``python benchmarks/bench_dataguard.py [--sellers 5000] [--pages 300]
[--postgres postgresql://postgres@127.0.0.1:5432/postgres]``.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
from fastapi import APIRouter, Response
from fastapi.testclient import TestClient
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, insert, text

from marketguard import db
from marketguard.api.deps import SessionDep
from marketguard.app import API_PREFIX, create_app
from marketguard.audit import service as audit
from marketguard.auth import service as auth_service
from marketguard.auth.roles import Principal, Role, cli_principal
from marketguard.catalog.models import Seller
from marketguard.config import Settings
from marketguard.dataguard import alerts
from marketguard.dataguard import service as dataguard
from marketguard.dataguard.access import LiveGrant, Visibility
from marketguard.dataguard.auth import DataStaff
from marketguard.dataguard.datasets import get_dataset
from marketguard.dataguard.models import DataAccessLog
from marketguard.models import Base
from marketguard.uow import unit_of_work

SECRET = "benchmark-secret-not-for-production"
PAGE = 100


def settings_for(url: str, folder: Path) -> Settings:
    return Settings(environment="test", database_url=url, data_dir=folder,
                    secret_key=SECRET, audit_checkpoint_path=folder / "audit-head.json")  # type: ignore[arg-type]  # noqa: E501


def seed(settings: Settings, sellers: int) -> None:
    """Create ``sellers`` sellers with every identifier kind filled."""
    Base.metadata.create_all(db.get_engine(settings.database_url))
    with unit_of_work(settings) as session:
        audit.start_log(session)
    created = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [
        {
            "seller_id": f"S-{n:06d}",
            "created_at": created,
            "country": "DE",
            "identifiers": {
                "phone": [f"+4915{n:09d}"], "address": [f"{n} Hauptstrasse, 10115 Berlin"],
                "ip": [f"203.0.{n % 250}.{n % 200}"], "device": [f"d-{n:08x}"],
                "payment": [f"p-{n:010x}"],
            },
            "extra": {"display_name": f"Shop {n}"},
            "status": "active",
            "source_digest": "0" * 64,
        }
        for n in range(sellers)
    ]
    with db.get_engine(settings.database_url).begin() as connection:
        connection.execute(insert(Seller), rows)


def grant_access(settings: Settings, employee: str) -> None:
    """An employee asks for every sensitive seller field; two owners approve."""
    fields = ["identifiers.phone", "identifiers.address", "identifiers.ip",
              "identifiers.device", "identifiers.payment"]
    with unit_of_work(settings) as session:
        request = dataguard.create_request(
            session, principal=Principal("b-e", employee, Role.employee), dataset="sellers",
            fields=fields, purpose="benchmark", duration="PT8H", settings=settings,
        )
        request_id = request.id
    for owner in ("owner-1", "owner-2"):
        with unit_of_work(settings) as session:
            dataguard.decide(session, principal=Principal("b-" + owner, owner, Role.data_owner),
                             request_id=request_id, outcome="approve", reason="benchmark")


def token(settings: Settings, name: str, role: Role) -> str:
    with unit_of_work(settings) as session:
        issued = auth_service.create_token(session, actor=cli_principal(), name=name, role=role)
    return issued.secret


def raw_router() -> APIRouter:
    """The baseline route: the same token check and loader; no grants, masking or log."""
    router = APIRouter()

    @router.get("/bench/raw/sellers")
    def raw(
        principal: DataStaff, session: SessionDep, cursor: str | None = None
    ) -> Response:
        records, next_cursor = get_dataset("sellers").loader(session, cursor, PAGE)  # type: ignore[misc]
        return Response(orjson.dumps({"items": records, "next": next_cursor}),
                        media_type="application/json")

    return router


def time_pages(settings: Settings, pages: int) -> dict[str, list[float]]:
    app = create_app(settings)
    app.include_router(raw_router(), prefix=API_PREFIX)
    headers = {
        "baseline": {"Authorization": "Bearer " + token(settings, "raw-reader", Role.employee)},
        "masked": {"Authorization": "Bearer " + token(settings, "masked-reader", Role.employee)},
        "granted": {"Authorization": "Bearer " + token(settings, "granted-reader", Role.employee)},
    }
    grant_access(settings, "granted-reader")
    times: dict[str, list[float]] = {"baseline": [], "masked": [], "granted": []}
    urls = {
        "baseline": f"{API_PREFIX}/bench/raw/sellers",
        "masked": f"{API_PREFIX}/data/datasets/sellers/records?limit={PAGE}",
        "granted": f"{API_PREFIX}/data/datasets/sellers/records?limit={PAGE}",
    }
    with TestClient(app) as client:
        for _ in range(10):  # warm caches, compile statements
            for kind, url in urls.items():
                client.get(url, headers=headers.get(kind, {}))
        for _ in range(pages):
            for kind, url in urls.items():
                started = time.perf_counter()
                answer = client.get(url, headers=headers.get(kind, {}))
                times[kind].append(time.perf_counter() - started)
                if answer.status_code != 200 or len(answer.json()["items"]) != PAGE:
                    raise SystemExit(f"{kind}: unexpected answer {answer.status_code}")
    with unit_of_work(settings) as session:
        logged = session.query(DataAccessLog).count()
    if logged < pages:
        raise SystemExit(f"expected an access-log row per granted page, found {logged}")
    return times


def time_grant_check(rounds: int = 200_000) -> tuple[list[float], list[float]]:
    dataset = get_dataset("sellers")
    now = datetime.now(UTC)
    grants = [
        LiveGrant(id=f"g{n}", dataset="sellers", fields=("identifiers.phone",),
                  purpose="benchmark", expires_at=now + timedelta(hours=1))  # type: ignore[call-arg]  # noqa: E501
        for n in range(3)
    ]
    paths = ["identifiers.phone", "identifiers.payment", "seller_id", "identifiers.ip"]
    check: list[float] = []
    lookup: list[float] = []
    table = {path: True for path in paths}
    for n in range(rounds):
        path = paths[n % len(paths)]
        visibility = Visibility(dataset, grants, (), "employee")
        started = time.perf_counter_ns()
        visibility.permit(path)
        check.append(time.perf_counter_ns() - started)
        started = time.perf_counter_ns()
        table.get(path)
        lookup.append(time.perf_counter_ns() - started)
    return check, lookup


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run_profile(name: str, url: str, folder: Path, args: argparse.Namespace, table: Table) -> None:
    settings = settings_for(url, folder)
    seed(settings, args.sellers)
    times = time_pages(settings, args.pages)
    base = statistics.median(times["baseline"])
    for kind, label in (("baseline", "page of 100, no masking or log (baseline)"),
                        ("masked", "page of 100, masked (no grant)"),
                        ("granted", "page of 100, grant + access log")):
        median = statistics.median(times[kind])
        table.add_row(name, label, f"{median * 1000:.2f} ms",
                      f"{pct(times[kind], 0.99) * 1000:.2f} ms", f"{median / base:.2f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sellers", type=int, default=5000)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--postgres", help="admin URL to create a scratch database in")
    args = parser.parse_args()
    table = Table(title=f"Data protection ({platform.machine()}, Python "
                        f"{platform.python_version()})")
    for column in ("profile", "measure", "p50", "p99", "vs baseline"):
        table.add_column(column)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        run_profile("SQLite", f"sqlite:///{folder / 'bench.db'}", folder, args, table)
        if args.postgres:
            name = f"mg_bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(args.postgres.replace("postgresql://", "postgresql+psycopg://"),
                                  isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            url = args.postgres.rsplit("/", 1)[0] + "/" + name
            try:
                pg_folder = folder / "pg"
                pg_folder.mkdir()
                run_profile("PostgreSQL", url, pg_folder, args, table)
            finally:
                alerts.reset_evaluators()  # its thread must not follow a dropped database
                db.dispose_engines()
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    check, lookup = time_grant_check()
    ratio = statistics.median(check) / max(1.0, statistics.median(lookup))
    table.add_row("in process", "grant check (fresh visibility)",
                  f"{pct(check, 0.5) / 1000:.2f} µs", f"{pct(check, 0.99) / 1000:.2f} µs",
                  f"{ratio:.0f}× a dict lookup")
    Console().print(table)


if __name__ == "__main__":
    main()
