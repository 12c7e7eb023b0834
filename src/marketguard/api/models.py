"""Stored answers to idempotent POSTs.

Why: a client that retries after a timeout must get the first answer back, not a
second notice or a second takedown. Keys are scoped by the caller's credential.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketguard.dataguard.classification import SECURITY, Category, Level, classified, owned_by
from marketguard.db import Base, UTCDateTime

# How each column is classified (docs/data-protection.md).
_REPLAY = classified(Level.internal, Category.corporate, "replay a retried request once")
_CALLER = classified(Level.confidential, Category.corporate, "scope a stored answer to its caller")
_ANSWER = classified(Level.confidential, Category.personal, "return the first answer to a retry")


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_records"
    __table_args__ = (
        UniqueConstraint("scope", "key", name="uq_idempotency_scope_key"),
        {"info": owned_by(SECURITY)},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True, info=_REPLAY)
    scope: Mapped[str] = mapped_column(String(64), info=_CALLER)
    key: Mapped[str] = mapped_column(String(200), info=_REPLAY)
    method: Mapped[str] = mapped_column(String(10), info=_REPLAY)
    path: Mapped[str] = mapped_column(String(500), info=_REPLAY)
    request_hash: Mapped[str] = mapped_column(String(64), info=_REPLAY)
    state: Mapped[str] = mapped_column(String(12), info=_REPLAY)  # pending | done
    status_code: Mapped[int | None] = mapped_column(Integer, info=_REPLAY)
    content_type: Mapped[str | None] = mapped_column(String(100), info=_REPLAY)
    body: Mapped[bytes | None] = mapped_column(LargeBinary, info=_ANSWER)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, info=_REPLAY)
