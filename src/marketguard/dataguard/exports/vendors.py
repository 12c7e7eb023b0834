"""Vendors (processors receiving hand-overs) and the age keys their files are encrypted to.

A vendor is one row with a unique name and a history of age recipients; the key
without ``retired_at`` is current. Rotating retires the current key and adds the
new one in the same unit of work, so there is always exactly one current key and
an old hand-over still names the key it was encrypted to.

A ``vendor`` token speaks for the vendor whose registered name equals the token's
name (``marketguard token create --role vendor --name "Acme Analytics"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from marketguard.audit import service as audit
from marketguard.auth.roles import Principal, Role
from marketguard.dataguard.exports.handover import parse_recipient
from marketguard.dataguard.exports.models import DataVendor, DataVendorKey
from marketguard.errors import Conflict, Forbidden, InvalidInput, NotFound
from marketguard.ids import new_id
from marketguard.timeutil import utcnow

MAX_NAME = 200
MAX_REASON = 2000


@dataclass(frozen=True)
class VendorView:
    """A vendor with its current key and how many keys it has held."""

    vendor: DataVendor
    key: DataVendorKey
    keys: int


def _clean_name(name: str) -> str:
    value = (name or "").strip()
    if not value:
        raise InvalidInput("name must not be empty: the vendor's registered name")
    if len(value) > MAX_NAME:
        raise InvalidInput(f"name is longer than {MAX_NAME} characters")
    return value


def add_vendor(
    session: Session, *, principal: Principal, name: str, age_recipient: str
) -> VendorView:
    """Register a vendor with its first age recipient."""
    clean = _clean_name(name)
    recipient = str(parse_recipient(age_recipient))
    if session.scalar(select(DataVendor.id).where(DataVendor.name == clean)) is not None:
        raise Conflict(f"a vendor named {clean!r} is already registered; rotate its key instead")
    now = utcnow()
    vendor = DataVendor(id=new_id(), name=clean, created_at=now, created_by=principal.name)
    key = DataVendorKey(id=new_id(), vendor_id=vendor.id, age_recipient=recipient, added_at=now,
                        added_by=principal.name, retired_at=None, reason="registered")
    session.add(vendor)
    session.flush()
    session.add(key)
    session.flush()
    audit.record(session, actor=principal.actor, action="data.vendor_add",
                 object_type="data_vendor", object_id=vendor.id,
                 reason=f"registered vendor {clean}",
                 after={"name": clean, "key_id": key.id, "age_recipient": recipient})
    return VendorView(vendor, key, 1)


def get_vendor(session: Session, *, vendor: str) -> DataVendor:
    """Return a vendor by id, or by its exact name; 404 naming what was asked."""
    found = session.get(DataVendor, vendor)
    if found is None:
        found = session.scalar(select(DataVendor).where(DataVendor.name == vendor))
    if found is None:
        raise NotFound(f"no vendor {vendor!r}; GET /api/v1/data/vendors lists them")
    return found


def current_key(session: Session, vendor_id: str) -> DataVendorKey:
    """Return a vendor's current key (the one not retired)."""
    key = session.scalar(
        select(DataVendorKey)
        .where(DataVendorKey.vendor_id == vendor_id, DataVendorKey.retired_at.is_(None))
        .order_by(DataVendorKey.added_at.desc())
    )
    if key is None:  # add_vendor and rotate_key always leave one
        raise LookupError(f"vendor {vendor_id} has no current key")
    return key


def keys_of(session: Session, vendor_id: str) -> list[DataVendorKey]:
    """Return every key a vendor has held, oldest first."""
    stmt = select(DataVendorKey).where(DataVendorKey.vendor_id == vendor_id)
    return list(session.scalars(stmt.order_by(DataVendorKey.added_at, DataVendorKey.id)))


def view(session: Session, vendor: DataVendor) -> VendorView:
    return VendorView(vendor, current_key(session, vendor.id), len(keys_of(session, vendor.id)))


def speaks_for(principal: Principal, vendor: DataVendor) -> bool:
    """Whether a vendor token speaks for this vendor (its name is the vendor's name)."""
    return principal.role == Role.vendor and principal.name == vendor.name


def rotate_key(
    session: Session, *, principal: Principal, vendor: str, age_recipient: str, reason: str = ""
) -> VendorView:
    """Retire a vendor's current key and make ``age_recipient`` current (admin or the vendor)."""
    found = get_vendor(session, vendor=vendor)
    if principal.role != Role.platform_admin and not speaks_for(principal, found):
        if principal.role == Role.vendor:
            raise NotFound(f"no vendor {vendor!r}; GET /api/v1/data/vendors lists them")
        raise Forbidden("only a platform admin or the vendor itself rotates a vendor's key")
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"reason is longer than {MAX_REASON} characters")
    recipient = str(parse_recipient(age_recipient))
    old = session.scalar(
        select(DataVendorKey)
        .where(DataVendorKey.vendor_id == found.id, DataVendorKey.retired_at.is_(None))
        .with_for_update()
    )
    if old is not None and old.age_recipient == recipient:
        raise Conflict(f"{recipient} is already vendor {found.name}'s current key")
    now = utcnow()
    if old is not None:
        old.retired_at = now
    key = DataVendorKey(id=new_id(), vendor_id=found.id, age_recipient=recipient, added_at=now,
                        added_by=principal.name, retired_at=None,
                        reason=reason.strip() or "key rotation")
    session.add(key)
    session.flush()
    audit.record(session, actor=principal.actor, action="data.vendor_key_rotate",
                 object_type="data_vendor", object_id=found.id, reason=key.reason,
                 before={"key_id": old.id if old else None,
                         "age_recipient": old.age_recipient if old else None},
                 after={"key_id": key.id, "age_recipient": recipient})
    return view(session, found)


def vendors_query(principal: Principal) -> Select[Any]:
    """Vendors a caller may list: staff all of them, a vendor token only itself."""
    stmt = select(DataVendor)
    if principal.role == Role.vendor:
        stmt = stmt.where(DataVendor.name == principal.name)
    return stmt
