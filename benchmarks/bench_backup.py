"""Benchmark backups: what the manifest, the checks and encryption cost over the bare tool.

Prints one table; every row is measured in the same run as its baseline, on the
same database (sellers with every identifier kind, plus an audit log):

* ``backup create`` against the bare copy it is built on (SQLite's backup API into
  a file; ``pg_dump -Fc``), and ``--encrypt-to`` against the plain ``create``;
* ``backup verify`` against the bare copy plus ``PRAGMA integrity_check`` (SQLite),
  or ``pg_restore`` of the dump into a new database (PostgreSQL);
* ``backup restore`` against the same bare restore.

Each figure is the median of ``--repeat`` runs. Run:
``python benchmarks/bench_backup.py [--sellers 100000] [--audit 20000] [--repeat 3]
[--postgres postgresql://postgres@127.0.0.1:5432/postgres]``.
"""

from __future__ import annotations

import argparse
import platform
import sqlite3
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pyrage
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, insert, text
from sqlalchemy.pool import NullPool

from marketguard import db
from marketguard.audit import service as audit
from marketguard.auth.roles import cli_principal
from marketguard.backup import postgres
from marketguard.backup.service import create_backup, restore_backup, verify_backup
from marketguard.catalog.models import Seller
from marketguard.config import Settings
from marketguard.models import Base
from marketguard.uow import unit_of_work

SECRET = "benchmark-secret-not-for-production"
ACTOR = cli_principal("benchmark")


def settings_for(url: str, folder: Path) -> Settings:
    return Settings(environment="test", database_url=url, data_dir=folder,
                    secret_key=SECRET, audit_checkpoint_path=folder / "audit-head.json")  # type: ignore[arg-type]  # noqa: E501


def seed(settings: Settings, sellers: int, records: int) -> None:
    """Sellers with every identifier kind, and ``records`` audit records."""
    Base.metadata.create_all(db.get_engine(settings.database_url))
    with unit_of_work(settings) as session:
        audit.start_log(session)
    created = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [
        {
            "seller_id": f"S-{n:06d}", "created_at": created, "country": "DE",
            "identifiers": {
                "phone": [f"+4915{n:09d}"], "address": [f"{n} Hauptstrasse, 10115 Berlin"],
                "ip": [f"203.0.{n % 250}.{n % 200}"], "device": [f"d-{n:08x}"],
                "payment": [f"p-{n:010x}"],
            },
            "extra": {"display_name": f"Shop {n}"}, "status": "active", "source_digest": "0" * 64,
        }
        for n in range(sellers)
    ]  # fmt: skip
    with db.get_engine(settings.database_url).begin() as connection:
        connection.execute(insert(Seller), rows)
    for start in range(0, records, 1000):
        with unit_of_work(settings) as session:
            for n in range(start, min(records, start + 1000)):
                audit.record(session, actor="cli:bench", action="bench.change",
                             object_type="thing", object_id=f"T-{n}", after={"n": n})  # fmt: skip


def median_seconds(action: Callable[[int], None], repeat: int) -> float:
    times = []
    for run in range(repeat):
        began = time.perf_counter()
        action(run)
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def new_pg_database(admin_url: str) -> str:
    name = f"mg_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return admin_url.rsplit("/", 1)[0] + "/" + name


def drop_pg_database(admin_url: str, url: str) -> None:
    db.get_engine(url).dispose()
    admin = create_engine(admin_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


def run_profile(name: str, settings: Settings, folder: Path, repeat: int, table: Table,
                admin_url: str | None) -> None:  # fmt: skip
    url = settings.database_url
    recipient = str(pyrage.x25519.Identity.generate().to_public())
    plain = [folder / f"plain-{n}.mgb" for n in range(repeat)]
    sealed = [folder / f"sealed-{n}.mgb.age" for n in range(repeat)]

    if name == "SQLite":
        source = Path(url.split("///", 1)[1])

        def bare_copy(run: int) -> None:
            target = folder / f"bare-{run}.db"
            with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
                src.backup(dst)

        def bare_check(run: int) -> None:
            bare_copy(run + 100)
            with closing(sqlite3.connect(folder / f"bare-{run + 100}.db")) as connection:
                connection.execute("PRAGMA integrity_check").fetchall()

        baseline_create, baseline_restore = bare_copy, bare_copy
        baseline_verify = bare_check
        bare = "backup API copy"
    else:
        assert admin_url is not None
        dumps = [folder / f"bare-{n}.pgdump" for n in range(repeat)]

        def bare_dump(run: int) -> None:
            where = postgres.libpq(url)
            subprocess.run(["pg_dump", "-Fc", f"--file={dumps[run]}", f"--dbname={where.uri}"],
                           check=True, env=where.env)  # fmt: skip

        def bare_restore(run: int) -> None:
            target = new_pg_database(admin_url)
            try:
                where = postgres.libpq(target)
                subprocess.run(["pg_restore", "--no-owner", "--single-transaction",
                                f"--dbname={where.uri}", str(dumps[run])], check=True)  # fmt: skip
            finally:
                drop_pg_database(admin_url, target)

        baseline_create, baseline_verify, baseline_restore = bare_dump, bare_restore, bare_restore
        bare = "pg_dump -Fc / pg_restore"

    def create(run: int) -> None:
        create_backup(settings, out=plain[run], encrypt_to=[], actor=ACTOR)

    def create_sealed(run: int) -> None:
        create_backup(settings, out=sealed[run], encrypt_to=[recipient], actor=ACTOR)

    def verify(run: int) -> None:
        assert verify_backup(settings, path=plain[run], identity=None).ok

    def restore(run: int) -> None:
        if name == "SQLite":
            target = f"sqlite:///{folder / f'restored-{run}.db'}"
            restore_backup(settings, path=plain[run], url=target, identity=None, force=False,
                           audit_head=folder / f"head-{run}.json", actor=ACTOR)  # fmt: skip
            return
        assert admin_url is not None
        target = new_pg_database(admin_url)
        try:
            restore_backup(settings, path=plain[run], url=target, identity=None, force=False,
                           audit_head=folder / f"head-{run}.json", actor=ACTOR)  # fmt: skip
        finally:
            drop_pg_database(admin_url, target)

    base_create = median_seconds(baseline_create, repeat)
    took_create = median_seconds(create, repeat)
    took_sealed = median_seconds(create_sealed, repeat)
    base_verify = median_seconds(baseline_verify, repeat)
    took_verify = median_seconds(verify, repeat)
    base_restore = median_seconds(baseline_restore, repeat)
    took_restore = median_seconds(restore, repeat)
    size = plain[0].stat().st_size / 1e6
    table.add_row(name, f"bare copy ({bare}) — baseline", f"{base_create:.2f} s", "1.00×")
    table.add_row(name, f"backup create ({size:.0f} MB file)", f"{took_create:.2f} s",
                  f"{took_create / base_create:.2f}× bare copy")
    table.add_row(name, "backup create --encrypt-to", f"{took_sealed:.2f} s",
                  f"{took_sealed / took_create:.2f}× plain create")
    table.add_row(name, "backup verify", f"{took_verify:.2f} s",
                  f"{took_verify / base_verify:.2f}× bare "
                  + ("copy + integrity_check" if name == "SQLite" else "restore"))
    table.add_row(name, "backup restore", f"{took_restore:.2f} s",
                  f"{took_restore / base_restore:.2f}× bare "
                  + ("copy" if name == "SQLite" else "restore"))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sellers", type=int, default=100_000)
    parser.add_argument("--audit", type=int, default=20_000, help="audit records")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", help="admin URL to create scratch databases in")
    args = parser.parse_args()
    table = Table(title=f"Backups: {args.sellers} sellers, {args.audit} audit records "
                        f"({platform.machine()}, Python {platform.python_version()})")
    for column in ("profile", "measure", "median", "ratio"):
        table.add_column(column)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        settings = settings_for(f"sqlite:///{folder / 'bench.db'}", folder)
        seed(settings, args.sellers, args.audit)
        run_profile("SQLite", settings, folder, args.repeat, table, None)
        if args.postgres:
            admin_url = args.postgres.replace("postgresql://", "postgresql+psycopg://")
            url = new_pg_database(admin_url)
            pg_folder = folder / "pg"
            pg_folder.mkdir()
            try:
                settings = settings_for(url, pg_folder)
                seed(settings, args.sellers, args.audit)
                run_profile("PostgreSQL", settings, pg_folder, args.repeat, table, admin_url)
            finally:
                db.dispose_engines()
                drop_pg_database(admin_url, url)
    Console().print(table)


if __name__ == "__main__":
    main()
