"""Audit tables.

Why: a regulator, a brand or a seller contesting a decision must be able to trust
that the record of who did what was not rewritten afterwards. Each record carries a
keyed MAC over its content and its predecessor's MAC; ``prev_id`` names the
predecessor so a deleted record can be named, not just noticed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Connection, Integer, String, Table, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from marketguard.db import Base, UTCDateTime

GENESIS = "0" * 64


class AuditRecord(Base):
    """One state change: actor, action, object, time, reason, before/after digests."""

    __tablename__ = "audit_records"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True, index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100), index=True)
    object_type: Mapped[str] = mapped_column(String(60))
    object_id: Mapped[str] = mapped_column(String(200), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    before_digest: Mapped[str | None] = mapped_column(String(64))
    after_digest: Mapped[str | None] = mapped_column(String(64))
    prev_id: Mapped[str | None] = mapped_column(String(40))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The single row every append updates first, which serialises appenders.

    It is a lock and a cache, not a source of truth: verification trusts only the
    chain and the signed checkpoint kept outside the database.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    record_id: Mapped[str | None] = mapped_column(String(40))
    hash: Mapped[str] = mapped_column(String(64), default=GENESIS)


@event.listens_for(AuditHead.__table__, "after_create")
def _seed_head(target: Table, connection: Connection, **_: object) -> None:
    """Create the single head row with the table (``create_all``; migrations do the same)."""
    connection.execute(target.insert().values(id=1, seq=0, record_id=None, hash=GENESIS))
