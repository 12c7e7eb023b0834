"""Vendors, their age keys, exports and the second approvals that lift an export's cap.

Why the export is a row of its own: a file that leaves the platform must stay
attributable long after the access log has rolled on — who exported what, for
whom, under which grant, encrypted to which key, and the fingerprint a leaked
copy is traced back with. Why vendor keys keep their history: a vendor rotates
its key, yet a hand-over made last month was encrypted to the old one, and an
investigation must still say which key could open it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text
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
_EXPORT = classified(Level.internal, Category.corporate, "keep exports attributable")
_PERSON = classified(Level.internal, Category.personal, "name who exported or approved")
_PURPOSE = classified(Level.internal, Category.corporate, "say why data left the platform")
_VENDOR = classified(Level.internal, Category.business, "hand data to processors, encrypted")
_TRACE = classified(Level.internal, Category.corporate, "trace a leaked copy to its export")

RECIPIENT_KINDS = ("employee", "vendor")
FORMATS = ("csv", "jsonl")
APPROVAL_STATUSES = ("pending", "approved", "denied", "used")


class DataVendor(Base):
    """A third party (a seller's software vendor, a processor) that receives hand-overs."""

    __tablename__ = "data_vendors"
    __table_args__ = {"info": owned_by(SECURITY)}

    id: Mapped[str] = mapped_column(String(40), primary_key=True, info=_VENDOR)
    name: Mapped[str] = mapped_column(String(200), unique=True, info=_VENDOR)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, info=_VENDOR)
    created_by: Mapped[str] = mapped_column(String(200), info=_PERSON)


class DataVendorKey(Base):
    """One age recipient a vendor has held; the one without ``retired_at`` is current."""

    __tablename__ = "data_vendor_keys"
    __table_args__ = (
        Index("ix_data_vendor_keys_vendor", "vendor_id", "added_at"),
        {"info": owned_by(SECURITY)},
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True, info=_VENDOR)
    vendor_id: Mapped[str] = mapped_column(ForeignKey("data_vendors.id"), info=_VENDOR)
    age_recipient: Mapped[str] = mapped_column(String(200), info=_VENDOR)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, info=_VENDOR)
    added_by: Mapped[str] = mapped_column(String(200), info=_PERSON)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=_VENDOR)
    reason: Mapped[str] = mapped_column(Text, default="", info=_PURPOSE)


class DataExportApproval(Base):
    """A data owner's second approval for one export over its level's row cap.

    Used once: the export that relies on it records its id, and it is then ``used``.
    """

    __tablename__ = "data_export_approvals"
    __table_args__ = {"info": owned_by(SECURITY)}

    id: Mapped[str] = mapped_column(String(40), primary_key=True, info=_EXPORT)
    requester: Mapped[str] = mapped_column(String(200), index=True, info=_PERSON)
    dataset: Mapped[str] = mapped_column(String(100), info=_EXPORT)
    fields: Mapped[list[str]] = mapped_column(JSONType, default=list, info=_EXPORT)
    rows: Mapped[int] = mapped_column(Integer, info=_EXPORT)  # the most rows approved
    purpose: Mapped[str] = mapped_column(Text, info=_PURPOSE)
    status: Mapped[str] = mapped_column(String(12), index=True, info=_EXPORT)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, info=_EXPORT)
    decided_by: Mapped[str | None] = mapped_column(String(200), info=_PERSON)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=_EXPORT)
    reason: Mapped[str] = mapped_column(Text, default="", info=_PURPOSE)
    export_id: Mapped[str | None] = mapped_column(String(40), info=_EXPORT)


class DataExport(Base):
    """One file handed out: what, to whom, by whom, why, under what, and its fingerprint."""

    __tablename__ = "data_exports"
    __table_args__ = (
        Index("ix_data_exports_exporter", "exporter", "id"),
        {"info": owned_by(SECURITY)},
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True, info=_EXPORT)
    dataset: Mapped[str] = mapped_column(String(100), index=True, info=_EXPORT)
    fields: Mapped[list[str]] = mapped_column(JSONType, default=list, info=_EXPORT)
    format: Mapped[str] = mapped_column(String(8), info=_EXPORT)
    recipient_kind: Mapped[str] = mapped_column(String(12), info=_EXPORT)
    recipient_id: Mapped[str] = mapped_column(String(200), info=_PERSON)
    recipient_name: Mapped[str] = mapped_column(String(200), info=_PERSON)
    exporter: Mapped[str] = mapped_column(String(200), info=_PERSON)
    purpose: Mapped[str] = mapped_column(Text, info=_PURPOSE)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, info=_EXPORT)
    rows: Mapped[int] = mapped_column(Integer, info=_EXPORT)
    desensitized: Mapped[bool] = mapped_column(Boolean, info=_EXPORT)
    suppressed: Mapped[int] = mapped_column(Integer, default=0, info=_EXPORT)
    excluded: Mapped[int] = mapped_column(Integer, default=0, info=_EXPORT)
    file_path: Mapped[str] = mapped_column(Text, info=_EXPORT)
    sha256: Mapped[str] = mapped_column(String(64), info=_EXPORT)
    grant_ids: Mapped[list[str]] = mapped_column(JSONType, default=list, info=_EXPORT)
    approval_id: Mapped[str | None] = mapped_column(
        ForeignKey("data_export_approvals.id"), info=_EXPORT
    )
    vendor_key_id: Mapped[str | None] = mapped_column(
        ForeignKey("data_vendor_keys.id"), info=_VENDOR
    )
    age_recipient: Mapped[str | None] = mapped_column(String(200), info=_VENDOR)
    fingerprint: Mapped[bytes | None] = mapped_column(LargeBinary, info=_TRACE)
