"""One export: check who may take what, read it in batches, write the file, record it.

Everything that can refuse an export is checked before a byte is written
(``prepare``): the dataset and fields, the recipient, the purpose, a live grant
for every level-3/4 field, the row cap. ``export`` then writes the file under a
temporary name, and the export row, its access-log row and its audit record join
the caller's unit of work; the file takes its final name only when that commits.
A refused or failed export leaves no file, no row and no log.

Desensitized exports (always for vendors) replace personal fields with keyed
pseudonyms, so a level-3 personal field needs no grant there; a level-4 field
still does, and so does a level-3 field that is not personal (it leaves as it is).
Vendor hand-overs leave out sellers who opted out of third-party sharing and are
encrypted to the vendor's current age key.
"""

from __future__ import annotations

import collections
import hashlib
import io
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketguard.audit import service as audit
from marketguard.auth.models import ApiToken
from marketguard.auth.roles import Principal, Role
from marketguard.config import Settings
from marketguard.dataguard.access import SENSITIVE, STAFF, Permit, Visibility, load_live_grants
from marketguard.dataguard.classification import Category, Level
from marketguard.dataguard.datasets import Dataset
from marketguard.dataguard.exports import approvals, columns, loading, vendors
from marketguard.dataguard.exports.fields import check_fields, classifications
from marketguard.dataguard.exports.files import ExportWriter, fingerprint_key
from marketguard.dataguard.exports.handover import encrypt_stream, parse_recipient
from marketguard.dataguard.exports.keys import export_mark, pseudonym_key
from marketguard.dataguard.exports.models import (
    FORMATS,
    RECIPIENT_KINDS,
    DataExport,
    DataExportApproval,
    DataVendor,
    DataVendorKey,
)
from marketguard.dataguard.service import MAX_PURPOSE, log_access
from marketguard.errors import Forbidden, InvalidInput, NotFound
from marketguard.ids import new_id
from marketguard.timeutil import utcnow
from marketguard.uow import on_commit

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]  # (rows done, rows in all)
WRITE_BATCH = 20_000
DIRECT_ROWS = 50_000  # from this many rows on, read column by column (columns.py)
CONTEXT = {"sellers": ("country",)}  # read for desensitizing, written only when asked


@dataclass(frozen=True)
class ExportAsk:
    """What the caller asks for (FORMATS §7 body, plus an optional purpose and approval)."""

    dataset: str
    fields: list[str]
    format: str
    recipient_kind: str
    recipient_id: str
    desensitize: bool = False
    purpose: str | None = None
    approval_id: str | None = None


@dataclass(frozen=True)
class Recipient:
    kind: str
    id: str
    name: str
    vendor: DataVendor | None = None
    key: DataVendorKey | None = None

    @property
    def label(self) -> str:
        """How pseudonyms tell recipients apart: ``vendor:<id>`` or ``employee:<name>``."""
        return f"{self.kind}:{self.id}"


@dataclass
class Prepared:
    """An export that passed every check; nothing is written yet."""

    dataset: Dataset
    fields: list[str]
    format: str
    recipient: Recipient
    desensitize: bool
    purpose: str
    declared: str | None
    level: int
    sensitive: list[str]
    grants: dict[str, Permit]
    rows: int
    excluded: int = 0
    approval: DataExportApproval | None = None


def _recipient(session: Session, principal: Principal, kind: str, ident: str) -> Recipient:
    if kind not in RECIPIENT_KINDS:
        raise InvalidInput(f"recipient.kind must be employee or vendor, got {kind!r}")
    ident = (ident or "").strip()
    if not ident:
        raise InvalidInput("recipient.id must not be empty: a staff member's name or a vendor id")
    if kind == "vendor":
        try:
            vendor = vendors.get_vendor(session, vendor=ident)
        except NotFound as exc:
            raise InvalidInput(f"recipient.id: {exc.detail}") from None
        key = vendors.current_key(session, vendor.id)
        parse_recipient(key.age_recipient)  # stored keys were parsed when added
        return Recipient("vendor", vendor.id, vendor.name, vendor, key)
    if ident != principal.name and not _is_staff(session, ident):
        raise InvalidInput(
            f"recipient.id: no staff member named {ident!r} (a staff token's name)"
        )
    return Recipient("employee", ident, ident)


def _is_staff(session: Session, name: str) -> bool:
    roles = [r.value for r in STAFF]
    stmt = select(ApiToken.id).where(ApiToken.name == name, ApiToken.role.in_(roles),
                                     ApiToken.revoked_at.is_(None))
    return session.scalars(stmt.limit(1)).first() is not None


def _purpose(ask: ExportAsk, grants: dict[str, Permit]) -> tuple[str, str | None]:
    """Return the export's purpose and the one declared (None when a grant's was taken)."""
    if ask.purpose is not None:
        declared = ask.purpose.strip()
        if not declared:
            raise InvalidInput("purpose must not be empty: say why the data leaves the platform")
        if len(declared) > MAX_PURPOSE:
            raise InvalidInput(f"purpose is longer than {MAX_PURPOSE} characters")
        return declared, declared
    granted = sorted({p.purpose for p in grants.values()})
    if not granted:
        raise InvalidInput("purpose is required: say why the data leaves the platform")
    return "; ".join(granted), None


def cap_for(settings: Settings, level: int) -> int | None:
    """Return the row cap of an export whose most sensitive field has ``level``."""
    if level >= Level.secret:
        return settings.data_export_cap_level4
    if level >= Level.confidential:
        return settings.data_export_cap_level3
    return None


def prepare(
    session: Session, *, principal: Principal, ask: ExportAsk, settings: Settings,
    now: datetime | None = None,
) -> Prepared:
    """Check everything that can refuse an export; write nothing."""
    if ask.format not in FORMATS:
        raise InvalidInput(f"format must be csv or jsonl, got {ask.format!r}")
    found, names = check_fields(session, ask.dataset, ask.fields)
    recipient = _recipient(session, principal, ask.recipient_kind, ask.recipient_id)
    desensitize = ask.desensitize or recipient.kind == "vendor"
    classes = classifications(found, names)
    sensitive = [n for n in names if classes[n].level >= SENSITIVE]
    needs_grant = [
        n for n in sensitive
        if not desensitize or classes[n].level >= Level.secret
        or classes[n].category != Category.personal
    ]
    moment = now or utcnow()
    visibility = Visibility(found, load_live_grants(session, grantee=principal.name, now=moment),
                            (), principal.role.value)
    grants: dict[str, Permit] = {}
    missing: list[str] = []
    for name in needs_grant:
        permit = visibility.permit(name)
        if isinstance(permit, Permit):
            grants[name] = permit
        else:
            missing.append(name)
    if missing:
        raise Forbidden(
            f"no live grant of yours covers the level-3/4 field(s) {', '.join(missing)} of "
            f"{found.name}; request access first (POST /api/v1/data/access-requests)"
            + ("" if desensitize else ", or export desensitized")
        )
    purpose, declared = _purpose(ask, grants)
    third_party = recipient.kind == "vendor"
    rows = loading.count(session, found.name, third_party=third_party)
    excluded = loading.count(session, found.name) - rows if third_party else 0
    level = max((int(classes[n].level) for n in names), default=1)
    approval = None
    cap = cap_for(settings, level)
    if ask.approval_id:
        approval = approvals.usable(session, principal=principal, approval_id=ask.approval_id,
                                    dataset=found.name, fields=names, rows=rows)
    elif cap is not None and rows > cap:
        setting = f"MARKETGUARD_DATA_EXPORT_CAP_LEVEL{min(level, 4)}"
        raise InvalidInput(
            f"this export would hold {rows:,} rows, over the cap of {cap:,} rows for "
            f"level-{level} data ({setting}); ask a data owner for a second approval "
            "(POST /api/v1/data/export-approvals) and pass its id as approval",
            cap=cap, rows=rows,
        )
    return Prepared(
        dataset=found, fields=names, format=ask.format, recipient=recipient,
        desensitize=desensitize, purpose=purpose, declared=declared, level=level,
        sensitive=sensitive, grants=grants, rows=rows, excluded=excluded, approval=approval,
    )


class _Hashing(io.RawIOBase):
    """Write through to a file, hashing what passes (the sha256 of the stored file)."""

    def __init__(self, raw: BinaryIO) -> None:
        super().__init__()
        self.raw = raw
        self.digest = hashlib.sha256()

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.digest.update(data)
        self.raw.write(data)
        return len(data)


@dataclass
class _Outcome:
    rows: int = 0
    suppressed: int = 0
    fingerprint: bytes | None = None


def _direct(session: Session, prepared: Prepared) -> Iterator[pl.DataFrame] | None:
    """The export's rows as frames read column by column, when that is possible and pays."""
    if prepared.desensitize or prepared.rows < DIRECT_ROWS or not columns.available(session):
        return None
    try:
        return columns.frames(session, prepared.dataset.name, prepared.fields,
                              third_party=prepared.recipient.kind == "vendor",
                              limit=prepared.rows)
    except columns.NotDirect:
        return None


def _records(
    session: Session, prepared: Prepared, settings: Settings, outcome: _Outcome
) -> Iterator[list[dict[str, Any]] | pl.DataFrame]:
    """Yield the export's rows batch by batch (desensitized: all of them, then in batches)."""
    third_party = prepared.recipient.kind == "vendor"
    if not prepared.desensitize:
        direct = _direct(session, prepared)
        if direct is not None:
            try:
                first = next(direct)
            except StopIteration:
                return
            except columns.NotDirect as exc:  # nothing read yet: the row reader takes over
                log.warning("export of %s read row by row: %s", prepared.dataset.name, exc)
            else:
                yield first
                yield from direct
                return
        yield from loading.batches(session, prepared.dataset.name, prepared.fields,
                                   third_party=third_party)
        return
    # A seller's country generalises their address; read it even when not exported.
    context = [f for f in CONTEXT.get(prepared.dataset.name, ()) if f not in prepared.fields]
    read = loading.batches(session, prepared.dataset.name, prepared.fields + context,
                           third_party=third_party)
    from marketguard.dataguard.exports.desensitize import desensitize

    everything: list[dict[str, Any]] = []
    for records in read:
        everything.extend(records)
    result = desensitize(
        everything, dataset=prepared.dataset, fields=prepared.fields,
        key=pseudonym_key(settings.secret_key.get_secret_value()),
        recipient=prepared.recipient.label, k=settings.data_export_k,
        max_suppressed=settings.data_export_max_suppressed,
    )
    outcome.suppressed = result.suppressed
    for start in range(0, len(result.records), WRITE_BATCH):
        yield result.records[start : start + WRITE_BATCH]


def export(
    session: Session, *, principal: Principal, ask: ExportAsk, settings: Settings,
    progress: Progress | None = None,
) -> DataExport:
    """Check, write and record one export; the file is final once the unit of work commits."""
    prepared = prepare(session, principal=principal, ask=ask, settings=settings)
    export_id = new_id()
    secret = settings.secret_key.get_secret_value()
    mark = export_mark(secret, export_id)
    outcome = _Outcome()
    batches = _records(session, prepared, settings, outcome)
    if prepared.desensitize:  # reads everything and may refuse (k-anonymity): before any file
        batches = iter(list(batches))
    total = prepared.rows - (outcome.suppressed if prepared.desensitize else 0)

    def produce(out: BinaryIO) -> Iterator[None]:
        writer = ExportWriter(out, fields=prepared.fields, fmt=prepared.format,  # type: ignore[arg-type]
                              mark=mark, key=fingerprint_key(secret))
        for records in batches:
            outcome.rows += writer.write(records)
            if progress is not None:
                progress(outcome.rows, max(total, outcome.rows))
            yield
        outcome.fingerprint = writer.finish()

    folder = settings.exports_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{export_id}.{prepared.format}" + (".age" if prepared.recipient.key else "")
    part = folder / f"{name}.part"
    try:
        with part.open("wb") as raw:
            hashing = _Hashing(raw)
            out = io.BufferedWriter(hashing, buffer_size=1 << 20)
            if prepared.recipient.key is not None:
                encrypt_stream(produce, out, parse_recipient(prepared.recipient.key.age_recipient))
            else:  # produce pauses after each batch for the encrypting pump; none here
                collections.deque(produce(out), maxlen=0)
            out.flush()
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    row = _record(session, principal=principal, prepared=prepared, export_id=export_id,
                  name=name, sha256=hashing.digest.hexdigest(), outcome=outcome,
                  settings=settings)
    on_commit(session, lambda: os.replace(part, folder / name))
    return row


def _record(
    session: Session, *, principal: Principal, prepared: Prepared, export_id: str, name: str,
    sha256: str, outcome: _Outcome, settings: Settings,
) -> DataExport:
    recipient = prepared.recipient
    row = DataExport(
        id=export_id, dataset=prepared.dataset.name, fields=prepared.fields,
        format=prepared.format, recipient_kind=recipient.kind, recipient_id=recipient.id,
        recipient_name=recipient.name, exporter=principal.name, purpose=prepared.purpose,
        created_at=utcnow(), rows=outcome.rows, desensitized=prepared.desensitize,
        suppressed=outcome.suppressed, excluded=prepared.excluded, file_path=name,
        sha256=sha256, grant_ids=sorted({p.grant_id for p in prepared.grants.values()
                                         if p.grant_id}),
        approval_id=prepared.approval.id if prepared.approval else None,
        vendor_key_id=recipient.key.id if recipient.key else None,
        age_recipient=recipient.key.age_recipient if recipient.key else None,
        fingerprint=outcome.fingerprint,
    )
    session.add(row)
    session.flush()
    if prepared.approval is not None:
        approvals.use(session, approval=prepared.approval, export_id=row.id)
    main_grant = next(iter(sorted(
        (p for p in prepared.grants.values() if p.grant_id), key=lambda p: p.grant_id or "",
    )), None)
    log_access(session, actor=principal.name, dataset=row.dataset, fields=list(row.fields),
               rows=row.rows, permit=Permit(main_grant.grant_id if main_grant else None,
                                            row.purpose),
               kind="export", at=row.created_at, purpose_declared=prepared.declared,
               settings=settings)
    audit.record(session, actor=principal.actor, action="data.export", object_type="data_export",
                 object_id=row.id, reason=row.purpose, after=_digest(row))
    return row


def _digest(row: DataExport) -> dict[str, Any]:
    return {
        "dataset": row.dataset, "fields": row.fields, "format": row.format,
        "recipient": f"{row.recipient_kind}:{row.recipient_id}", "rows": row.rows,
        "desensitized": row.desensitized, "suppressed": row.suppressed,
        "excluded": row.excluded, "sha256": row.sha256, "grant_ids": row.grant_ids,
        "approval_id": row.approval_id, "vendor_key_id": row.vendor_key_id,
    }


# -- reading exports back -----------------------------------------------------------


def get_export(session: Session, *, principal: Principal, export_id: str) -> DataExport:
    """Return an export's record: its exporter, data owners (of its dataset), auditors, admins."""
    row = session.get(DataExport, export_id)
    if row is None or not _may_see(principal, row):
        raise NotFound(f"no export with id {export_id!r}")
    return row


def _may_see(principal: Principal, row: DataExport) -> bool:
    if row.exporter == principal.name and principal.role != Role.vendor:
        return True
    if principal.role in (Role.auditor, Role.platform_admin):
        return True
    return principal.role == Role.data_owner and principal.dataset in (None, row.dataset)


def file_of(
    session: Session, *, principal: Principal, export_id: str, settings: Settings
) -> tuple[Path, DataExport]:
    """Return an export's file: the exporter's (employee exports), or for a vendor export
    a platform admin's or the vendor's own (it is encrypted to the vendor's key)."""
    row = session.get(DataExport, export_id)
    allowed = False
    if row is not None and row.recipient_kind == "employee":
        allowed = row.exporter == principal.name and principal.role != Role.vendor
    elif row is not None:
        vendor = session.get(DataVendor, row.recipient_id)
        allowed = principal.role == Role.platform_admin or (
            vendor is not None and vendor is not None and vendors.speaks_for(principal, vendor))
    if row is None or not allowed:
        raise NotFound(f"no export file with id {export_id!r} for you")
    path = settings.exports_dir() / row.file_path
    if not path.is_file():
        raise NotFound(f"the file of export {row.id} is no longer kept")
    return path, row


def exports_query(principal: Principal) -> Any:
    """Exports a caller may list: auditors and admins all, a data owner their dataset's."""
    stmt = select(DataExport)
    if principal.role == Role.data_owner and principal.dataset:
        stmt = stmt.where(DataExport.dataset == principal.dataset)
    return stmt
