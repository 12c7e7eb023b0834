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

from marketguard.dataguard.classification import SECURITY, Category, Level, classified, owned_by
from marketguard.db import Base, UTCDateTime

# How each column is classified (docs/data-protection.md).
_CHAIN = classified(Level.internal, Category.corporate, "prove who changed what, and when")
_WHO = classified(Level.confidential, Category.personal, "name who made a change")
_WHY = classified(Level.internal, Category.business, "say why a change was made")

GENESIS = "0" * 64


class AuditRecord(Base):
    """One state change: actor, action, object, time, reason, before/after digests."""

    __tablename__ = "audit_records"
    __table_args__ = {"info": owned_by(SECURITY)}

    id: Mapped[str] = mapped_column(String(40), primary_key=True, info=_CHAIN)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True, index=True, info=_CHAIN)
    at: Mapped[datetime] = mapped_column(UTCDateTime, info=_CHAIN)
    actor: Mapped[str] = mapped_column(String(200), info=_WHO)
    action: Mapped[str] = mapped_column(String(100), index=True, info=_CHAIN)
    object_type: Mapped[str] = mapped_column(String(60), info=_CHAIN)
    object_id: Mapped[str] = mapped_column(String(200), index=True, info=_CHAIN)
    reason: Mapped[str | None] = mapped_column(Text, info=_WHY)
    before_digest: Mapped[str | None] = mapped_column(String(64), info=_CHAIN)
    after_digest: Mapped[str | None] = mapped_column(String(64), info=_CHAIN)
    prev_id: Mapped[str | None] = mapped_column(String(40), info=_CHAIN)
    prev_hash: Mapped[str] = mapped_column(String(64), info=_CHAIN)
    hash: Mapped[str] = mapped_column(String(64), info=_CHAIN)


class AuditHead(Base):
    """The single row every append updates first, which serialises appenders.

    It is a lock and a cache, not a source of truth: verification trusts only the
    chain and the signed checkpoint kept outside the database.
    """

    __tablename__ = "audit_head"
    __table_args__ = {"info": owned_by(SECURITY)}

    id: Mapped[int] = mapped_column(Integer, primary_key=True, info=_CHAIN)
    seq: Mapped[int] = mapped_column(BigInteger, default=0, info=_CHAIN)
    record_id: Mapped[str | None] = mapped_column(String(40), info=_CHAIN)
    hash: Mapped[str] = mapped_column(String(64), default=GENESIS, info=_CHAIN)


@event.listens_for(AuditHead.__table__, "after_create")
def _seed_head(target: Table, connection: Connection, **_: object) -> None:
    """Create the single head row with the table (``create_all``; migrations do the same)."""
    connection.execute(target.insert().values(id=1, seq=0, record_id=None, hash=GENESIS))
