"""What a database holds: its tables and their rows, schema revision and audit head.

Taken from the source inside the very snapshot the payload is made from, and
again from the restored copy, so the two can be compared figure by figure.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, column, func, inspect, select, table
from sqlalchemy.orm import Session

from marketguard.audit.checkpoint import GENESIS_POINT, Checkpoint
from marketguard.audit.models import AuditRecord
from marketguard.audit.verify import Finding, verify_chain

AUDIT_TABLE = AuditRecord.__tablename__


@dataclass(frozen=True)
class Inventory:
    """Row counts per table, the Alembic revision (None: not managed by migrations), the head."""

    tables: dict[str, int]
    revision: str | None
    audit_head: Checkpoint


def take(connection: Connection) -> Inventory:
    """Count the rows of every table and read the newest audit record."""
    names = sorted(inspect(connection).get_table_names())
    tables = {
        name: int(connection.scalar(select(func.count()).select_from(table(name))) or 0)
        for name in names
    }
    revision = _revision(connection) if "alembic_version" in tables else None
    head = GENESIS_POINT
    if AUDIT_TABLE in tables:
        row = connection.execute(
            select(AuditRecord.seq, AuditRecord.id, AuditRecord.hash)
            .order_by(AuditRecord.seq.desc())
            .limit(1)
        ).first()
        if row is not None:
            head = Checkpoint(int(row[0]), str(row[1]), str(row[2]))
    return Inventory(tables, revision, head)


def _revision(connection: Connection) -> str | None:
    value = connection.scalar(select(column("version_num")).select_from(table("alembic_version")))
    return None if value is None else str(value)


def check_chain(connection: Connection, key: bytes, head: Checkpoint | None) -> Finding:
    """Run the audit verification on this connection's snapshot against a known head."""
    with Session(bind=connection) as session:
        return verify_chain(session, key, head)
