"""Benchmark exports: a million seller rows to CSV, plain and as an encrypted hand-over.

Prints one table, every row measured in the same run against its baseline:

* **the export** (``service.export``: grant check, batch reads from the database,
  watermark, fingerprint, sha256, the export row, access log and audit record)
  of ``--sellers`` rows × 5 fields (``seller_id``, ``created_at``, ``country``,
  ``status``, ``identifiers.phone``) against **Polars writing the same frame**
  (``pl.DataFrame(...).write_csv``, the same rows already in memory, lists
  joined with ``;``) — goal ≥ 0.3× Polars' speed;
* the export's **file writing alone** (``ExportWriter`` given the rows already
  read, as frames) and **reading alone** (the column-by-column ADBC read of
  ``columns.frames``, no watermark, no file) against the same Polars baseline,
  to show where the time goes — reading alone is the floor no export from the
  database goes below;
* a **vendor hand-over** (desensitized, consent checked, age-encrypted with
  pyrage to the vendor's key) against the same desensitized export to an
  employee, unencrypted — goal ≥ 0.8× its speed.

Speeds are ``baseline time / measured time`` (1.0× = as fast; higher is faster).
Each measure is the median of ``--repeat`` runs.

Run: ``python benchmarks/bench_exports.py [--sellers 1000000] [--repeat 3]
[--postgres postgresql://postgres@127.0.0.1:5432/postgres]``.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from pyrage import x25519
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, insert, text

from marketguard import db
from marketguard.audit import service as audit
from marketguard.auth.roles import Principal, Role
from marketguard.catalog.models import Seller
from marketguard.config import Settings
from marketguard.dataguard import service as dataguard
from marketguard.dataguard.exports import columns, service, vendors
from marketguard.dataguard.exports.files import ExportWriter, fingerprint_key
from marketguard.dataguard.exports.keys import export_mark
from marketguard.models import Base
from marketguard.uow import unit_of_work

SECRET = "benchmark-secret-not-for-production"
FIELDS = ["seller_id", "created_at", "country", "status", "identifiers.phone"]
EMPLOYEE = Principal("b-e", "bench-employee", Role.employee)
ADMIN = Principal("b-a", "bench-admin", Role.platform_admin)


def settings_for(url: str, folder: Path) -> Settings:
    return Settings(environment="test", database_url=url, data_dir=folder,  # type: ignore[arg-type]
                    secret_key=SECRET, audit_checkpoint_path=folder / "audit-head.json",
                    data_export_cap_level3=10_000_000)


def seed(settings: Settings, sellers: int) -> None:
    """Create ``sellers`` sellers (a tenth opted out of sharing), then a grant on phones."""
    Base.metadata.create_all(db.get_engine(settings.database_url))
    with unit_of_work(settings) as session:
        audit.start_log(session)
    created = datetime(2026, 1, 1, tzinfo=UTC)
    countries = ["DE", "FR", "CN", "US", "IT"]
    chunk = 50_000
    with db.get_engine(settings.database_url).begin() as connection:
        for start in range(0, sellers, chunk):
            connection.execute(insert(Seller), [{
                "seller_id": f"S-{n:07d}", "created_at": created.replace(month=1 + n % 12),
                "country": countries[n % 5], "status": "active",
                "identifiers": {"phone": [f"+4915{n:09d}"], "ip": [f"203.0.{n % 250}.{n % 200}"]},
                "extra": {"consent": {"third_party_sharing": False}} if n % 10 == 0 else {},
                "source_digest": "0" * 64,
            } for n in range(start, min(sellers, start + chunk))])
    with unit_of_work(settings) as session:
        request = dataguard.create_request(
            session, principal=EMPLOYEE, dataset="sellers", fields=["identifiers.phone"],
            purpose="benchmark", duration="PT8H", settings=settings)
        request_id = request.id
    with unit_of_work(settings) as session:
        dataguard.decide(session, principal=Principal("b-o", "bench-owner", Role.data_owner),
                         request_id=request_id, outcome="approve", reason="benchmark")


def timed(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def export(settings: Settings, recipient: tuple[str, str], desensitize: bool) -> int:
    ask = service.ExportAsk(dataset="sellers", fields=FIELDS, format="csv",
                            recipient_kind=recipient[0], recipient_id=recipient[1],
                            desensitize=desensitize, purpose="benchmark")
    with unit_of_work(settings) as session:
        row = service.export(session, principal=EMPLOYEE, ask=ask, settings=settings)
        return row.rows


def run_profile(name: str, url: str, folder: Path, args: argparse.Namespace,
                table: Table) -> None:
    settings = settings_for(url, folder)
    seed(settings, args.sellers)
    with unit_of_work(settings) as session:
        vendor = vendors.add_vendor(session, principal=ADMIN, name="bench-vendor",
                                    age_recipient=str(x25519.Identity.generate().to_public()))
        vendor_id = vendor.vendor.id
        batches = list(columns.frames(session, "sellers", FIELDS))
    rows = sum(b.height for b in batches)
    frame = pl.concat(batches).with_columns(pl.col("identifiers.phone").list.join(";"))
    target = folder / "polars.csv"
    polars_s = timed(lambda: frame.write_csv(target), args.repeat)

    def writer_only() -> None:
        with (folder / "writer.csv").open("wb") as out:
            writer = ExportWriter(out, fields=FIELDS, fmt="csv", mark=export_mark(SECRET, "b"),
                                  key=fingerprint_key(SECRET))
            for batch in batches:
                writer.write(batch)
            writer.finish()

    writer_s = timed(writer_only, args.repeat)

    def read_only() -> None:
        with unit_of_work(settings) as session:
            for _ in columns.frames(session, "sellers", FIELDS):
                pass

    read_s = timed(read_only, args.repeat)
    export_s = timed(lambda: export(settings, ("employee", EMPLOYEE.name), False), args.repeat)
    plain_s = timed(lambda: export(settings, ("employee", EMPLOYEE.name), True), args.repeat)
    sealed_s = timed(lambda: export(settings, ("vendor", vendor_id), True), args.repeat)

    def add(measure: str, seconds: float, base: float, goal: str, count: int = rows) -> None:
        table.add_row(name, measure, f"{count:,}", f"{seconds:.2f} s",
                      f"{count / seconds:,.0f}", f"{base / seconds:.2f}×", goal)

    add("Polars write_csv of the same frame (baseline)", polars_s, polars_s, "")
    add("reading alone (columns.frames: ADBC, decoded, no file)", read_s, polars_s, "")
    add("ExportWriter alone (rows already read)", writer_s, polars_s, "")
    add("export from the database (service.export)", export_s, polars_s, "≥ 0.30×")
    add("desensitized export to an employee (baseline)", plain_s, plain_s, "")
    add("vendor hand-over: desensitized + age-encrypted", sealed_s, plain_s, "≥ 0.80×",
        count=int(rows * 0.9))


def new_table(args: argparse.Namespace) -> Table:
    table = Table(title=f"Exports ({platform.machine()}, Python {platform.python_version()}, "
                        f"{args.sellers:,} sellers)")
    for column in ("profile", "measure", "rows", "time", "rows/s", "speed vs baseline",
                   "goal"):
        table.add_column(column)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sellers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", help="admin URL to create a scratch database in")
    args = parser.parse_args()
    table = new_table(args)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        run_profile("SQLite", f"sqlite:///{folder / 'bench.db'}", folder, args, table)
        Console(width=160).print(table)  # each profile's table as soon as it is measured
        table = new_table(args)
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
                db.dispose_engines()
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            Console(width=160).print(table)


if __name__ == "__main__":
    main()
