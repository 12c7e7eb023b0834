"""What the backup tests share: a filled marketplace, fresh targets, counts, verification."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from marketguard import db
from marketguard.audit.verify import Finding, verify_log
from marketguard.auth.roles import cli_principal
from marketguard.backup import inventory
from marketguard.backup.service import Created, create_backup
from marketguard.config import Settings
from marketguard.uow import audit_context, unit_of_work
from tests.audit.helpers import append
from tests.dataguard.helpers import seed
from tests.services import require

ACTOR = cli_principal("operator")


def fill(settings: Settings, folder: Path) -> None:
    """Brands, rights, products, sellers with identifiers, listings, a notice, tokens, audit."""
    seed(settings, folder)
    append(settings, 3)


def backup(settings: Settings, out: Path, encrypt_to: list[str] | None = None) -> Created:
    return create_backup(settings, out=out, encrypt_to=encrypt_to or [], actor=ACTOR)


def rows(url: str) -> dict[str, int]:
    """Rows per table, read on a connection of its own."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return inventory.take(connection).tables
    finally:
        engine.dispose()


def audit_verifies(settings: Settings) -> Finding:
    """What `marketguard audit verify` would say about this installation."""
    context = audit_context(settings)
    with unit_of_work(settings) as session:
        return verify_log(session, context.key, context.checkpoints)


def target_settings(settings: Settings, url: str, head: Path) -> Settings:
    return settings.model_copy(update={"database_url": url, "audit_checkpoint_path": head})


@contextmanager
def fresh_target(kind: str, folder: Path) -> Iterator[str]:
    """An empty database of the given kind to restore into (dropped afterwards)."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / f'restored-{uuid.uuid4().hex[:6]}.db'}"
        return
    admin_url = require("postgres").replace("postgresql://", "postgresql+psycopg://")
    name = f"mg_restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.rsplit("/", 1)[0] + "/" + name
    try:
        yield url
    finally:
        db.get_engine(url).dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def kind(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"
