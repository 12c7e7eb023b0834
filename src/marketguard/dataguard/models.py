"""Access requests, approvals, grants and the access log.

Why tables and not a cache: a grant must stop working the moment it is revoked
or expires, in every API process at once, so every read asks the database for
the caller's live grants (one indexed query). Approvals are rows of their own,
unique per request and approver, so "two different approvers" for secret data
holds even when two owners click at the same moment. The access log is
append-only: who read which level-3/4 fields of which dataset, how many rows,
under which grant and for what purpose.

The log is also a stream: ``seq`` numbers its rows in commit order, so the
alert evaluator of every API process can follow it (docs/data-protection.md,
"Alerts"); on PostgreSQL a single head row hands the numbers out. Alerts are
rows unique per log row and rule, so two processes evaluating the same row
raise one alert.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketguard.dataguard.classification import (
    SECURITY,
    Category,
    Level,
    classified,
    owned_by,
)
from marketguard.db import Base, JSONType, UTCDateTime

# How each column is classified (docs/data-protection.md).
_ACCESS = classified(Level.internal, Category.corporate, "control access to sensitive data")
_PERSON = classified(Level.internal, Category.personal, "name who asked, approved or read")
_PURPOSE = classified(Level.internal, Category.corporate, "say why data was accessed")

_ALERT = classified(Level.internal, Category.corporate, "alert data owners to abnormal reads")

REQUEST_STATUSES = ("pending", "approved", "denied")
ALERT_STATUSES = ("open", "acknowledged")


class DataAccessRequest(Base):
    """A person's request for time-limited access to level-3/4 fields of one dataset."""

    __tablename__ = "data_access_requests"
    __table_args__ = {"info": owned_by(SECURITY)}

    id: Mapped[str] = mapped_column(String(40), primary_key=True, info=_ACCESS)
    requester: Mapped[str] = mapped_column(String(200), index=True, info=_PERSON)
    requester_role: Mapped[str] = mapped_column(String(40), info=_ACCESS)
    dataset: Mapped[str] = mapped_column(String(100), index=True, info=_ACCESS)
    fields: Mapped[list[str]] = mapped_column(JSONType, default=list, info=_ACCESS)
    level: Mapped[int] = mapped_column(Integer, info=_ACCESS)
    purpose: Mapped[str] = mapped_column(Text, info=_PURPOSE)
    duration: Mapped[str] = mapped_column(String(40), info=_ACCESS)  # ISO 8601, as asked
    duration_s: Mapped[int] = mapped_column(Integer, info=_ACCESS)
    approvals_required: Mapped[int] = mapped_column(Integer, info=_ACCESS)
    status: Mapped[str] = mapped_column(String(12), index=True, info=_ACCESS)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, info=_ACCESS)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=_ACCESS)
    grant_id: Mapped[str | None] = mapped_column(String(40), info=_ACCESS)


class DataAccessApproval(Base):
    """One data owner's approval or denial of a request; one per request and person."""

    __tablename__ = "data_access_approvals"
    __table_args__ = (
        UniqueConstraint("request_id", "approver", name="uq_data_access_approvals_approver"),
        {"info": owned_by(SECURITY)},
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True, info=_ACCESS)
    request_id: Mapped[str] = mapped_column(
        ForeignKey("data_access_requests.id", ondelete="CASCADE"), index=True, info=_ACCESS
    )
    approver: Mapped[str] = mapped_column(String(200), info=_PERSON)
    outcome: Mapped[str] = mapped_column(String(12), info=_ACCESS)  # approve | deny
    reason: Mapped[str] = mapped_column(Text, info=_PURPOSE)
    at: Mapped[datetime] = mapped_column(UTCDateTime, info=_ACCESS)


class DataGrant(Base):
    """Time-limited access of one person to named fields of one dataset."""

    __tablename__ = "data_grants"
    __table_args__ = (
        Index("ix_data_grants_live", "grantee", "expires_at"),
        {"info": owned_by(SECURITY)},
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True, info=_ACCESS)
    request_id: Mapped[str] = mapped_column(
        ForeignKey("data_access_requests.id"), index=True, info=_ACCESS
    )
    grantee: Mapped[str] = mapped_column(String(200), info=_PERSON)
    dataset: Mapped[str] = mapped_column(String(100), index=True, info=_ACCESS)
    fields: Mapped[list[str]] = mapped_column(JSONType, default=list, info=_ACCESS)
    level: Mapped[int] = mapped_column(Integer, info=_ACCESS)
    purpose: Mapped[str] = mapped_column(Text, info=_PURPOSE)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, info=_ACCESS)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, info=_ACCESS)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=_ACCESS)
    revoked_by: Mapped[str | None] = mapped_column(String(200), info=_PERSON)


class DataAccessLog(Base):
    """One read or export of level-3/4 fields: who, what, how many rows, why, under what."""

    __tablename__ = "data_access_log"
    __table_args__ = (
        Index("ix_data_access_log_actor", "actor", "id"),
        Index("ix_data_access_log_dataset", "dataset", "id"),
        Index("ix_data_access_log_seq", "seq", unique=True),
        {"info": owned_by(SECURITY)},
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True, info=_ACCESS)
    at: Mapped[datetime] = mapped_column(UTCDateTime, info=_ACCESS)
    actor: Mapped[str] = mapped_column(String(200), info=_PERSON)
    dataset: Mapped[str] = mapped_column(String(100), info=_ACCESS)
    fields: Mapped[list[str]] = mapped_column(JSONType, default=list, info=_ACCESS)
    rows: Mapped[int] = mapped_column(Integer, info=_ACCESS)
    grant_id: Mapped[str | None] = mapped_column(String(40), info=_ACCESS)
    purpose: Mapped[str] = mapped_column(Text, info=_PURPOSE)
    kind: Mapped[str] = mapped_column(String(12), info=_ACCESS)  # read | export
    seq: Mapped[int] = mapped_column(Integer, info=_ACCESS)  # 1, 2, ... in commit order
    level: Mapped[int | None] = mapped_column(Integer, info=_ACCESS)  # highest of ``fields``
    purpose_declared: Mapped[str | None] = mapped_column(Text, info=_PURPOSE)


class DataAccessLogHead(Base):
    """The single row that numbers the access log on PostgreSQL: the newest row's ``seq``.

    Why a row and not a sequence or an advisory lock: a logged read bumps it in
    the very statement that appends its log row (one round trip), and the row
    lock that takes is held to the commit, so numbers are handed out in commit
    order: a reader that has seen row N committed has seen every row below N.
    SQLite has one writer at a time, so there the INSERT takes ``max(seq) + 1``
    and this row is not used.
    """

    __tablename__ = "data_access_log_head"
    __table_args__ = {"info": owned_by(SECURITY)}

    id: Mapped[int] = mapped_column(Integer, primary_key=True, info=_ACCESS)
    seq: Mapped[int] = mapped_column(Integer, info=_ACCESS)


class DataAlert(Base):
    """A starter (or operator) rule matched a read in the access log: data owners look.

    Why a row per log row and rule, unique: every API process evaluates every log
    row, so two processes may raise the same alert; the constraint keeps one.
    ``decision`` keeps the engine's whole decision (rules, shadow rules, the
    feature values, the rule-set version), so an alert explains itself.
    """

    __tablename__ = "data_alerts"
    __table_args__ = (
        UniqueConstraint("log_id", "rule", name="uq_data_alerts_log_rule"),
        Index("ix_data_alerts_dataset", "dataset", "id"),
        {"info": owned_by(SECURITY)},
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True, info=_ALERT)
    at: Mapped[datetime] = mapped_column(UTCDateTime, info=_ALERT)
    rule: Mapped[str] = mapped_column(String(200), info=_ALERT)
    action: Mapped[str] = mapped_column(String(12), info=_ALERT)
    score: Mapped[int] = mapped_column(Integer, info=_ALERT)
    actor: Mapped[str] = mapped_column(String(200), index=True, info=_PERSON)
    dataset: Mapped[str] = mapped_column(String(100), info=_ALERT)
    level: Mapped[int] = mapped_column(Integer, info=_ALERT)
    rows: Mapped[int] = mapped_column(Integer, info=_ALERT)
    log_id: Mapped[str] = mapped_column(ForeignKey("data_access_log.id"), info=_ALERT)
    owners: Mapped[list[str]] = mapped_column(JSONType, default=list, info=_PERSON)
    status: Mapped[str] = mapped_column(String(16), index=True, info=_ALERT)
    decision: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict, info=_ALERT)
    acknowledged_by: Mapped[str | None] = mapped_column(String(200), info=_PERSON)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=_ALERT)
    note: Mapped[str | None] = mapped_column(Text, info=_PURPOSE)
