"""Export, vendor and export-approval routes (FORMATS §7); thin: the services decide."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session

from marketguard.api.deps import SessionDep, SettingsDep
from marketguard.api.pagination import DEFAULT_LIMIT, Page, paginate
from marketguard.dataguard.exports import approvals, service, vendors
from marketguard.dataguard.exports.auth import (
    ApprovalsAsk,
    ApprovalsDecide,
    ExportFile,
    ExportRead,
    ExportsCreate,
    ExportsList,
    VendorsAdd,
    VendorsRead,
    VendorsRotate,
)
from marketguard.dataguard.exports.models import DataExport, DataExportApproval, DataVendor
from marketguard.dataguard.exports.schemas import (
    ApprovalCreate,
    ApprovalDecision,
    ApprovalRead,
    ExportCreate,
    ExportCreated,
    VendorCreate,
    VendorKeyIn,
    VendorKeyRead,
    VendorRead,
)
from marketguard.dataguard.exports.schemas import ExportRead as ExportShape

router = APIRouter(prefix="/data", tags=["data protection"])
MEDIA = {"csv": "text/csv", "jsonl": "application/x-ndjson"}


def download_path(export_id: str) -> str:
    return f"/api/v1/data/exports/{export_id}/file"


# -- exports --------------------------------------------------------------------------


@router.post("/exports", response_model=ExportCreated, status_code=201)
def create_export(
    body: ExportCreate, principal: ExportsCreate, session: SessionDep, settings: SettingsDep
) -> ExportCreated:
    """Export chosen fields of a dataset as CSV or JSONL, to an employee or a vendor.

    Every level-3/4 field needs a live grant of yours (desensitized: level-4 and
    non-personal level-3 fields only). Over the level's row cap a data owner's
    second approval is needed. Vendor hand-overs are always desensitized, leave
    out sellers who opted out of third-party sharing, and are encrypted to the
    vendor's current age key.
    """
    ask = service.ExportAsk(
        dataset=body.dataset, fields=body.fields, format=body.format,
        recipient_kind=body.recipient.kind, recipient_id=body.recipient.id,
        desensitize=body.desensitize, purpose=body.purpose, approval_id=body.approval,
    )
    row = service.export(session, principal=principal, ask=ask, settings=settings)
    return ExportCreated(id=row.id, rows=row.rows, download=download_path(row.id),
                         suppressed=row.suppressed, excluded=row.excluded)


def export_read(row: DataExport) -> ExportShape:
    return ExportShape(
        id=row.id, dataset=row.dataset, fields=list(row.fields), format=row.format,
        recipient={"kind": row.recipient_kind, "id": row.recipient_id,
                   "name": row.recipient_name},
        exporter=row.exporter, purpose=row.purpose, created_at=row.created_at, rows=row.rows,
        desensitized=row.desensitized, suppressed=row.suppressed, excluded=row.excluded,
        sha256=row.sha256, grant_ids=list(row.grant_ids), approval_id=row.approval_id,
        vendor_key_id=row.vendor_key_id, age_recipient=row.age_recipient,
        download=download_path(row.id),
    )


@router.get("/exports", response_model=Page[ExportShape])
def list_exports(
    principal: ExportsList, session: SessionDep, cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[ExportShape]:
    """Every export: who, when, what, for whom, why (a scoped data owner: their dataset's)."""
    rows, next_cursor = paginate(session, service.exports_query(principal), DataExport.id,
                                 cursor=cursor, limit=limit)
    return Page[ExportShape](items=[export_read(r) for r in rows], next=next_cursor)


@router.get("/exports/{export_id}", response_model=ExportShape)
def get_export(export_id: str, principal: ExportRead, session: SessionDep) -> ExportShape:
    """One export's record: your own, or any for auditors, data owners and admins."""
    return export_read(service.get_export(session, principal=principal, export_id=export_id))


@router.get(
    "/exports/{export_id}/file",
    response_class=FileResponse,
    responses={200: {"content": {"text/csv": {}, "application/x-ndjson": {},
                                 "application/octet-stream": {}}}},
)
def get_export_file(
    export_id: str, principal: ExportFile, session: SessionDep, settings: SettingsDep
) -> FileResponse:
    """The exported file: the exporter's (employee exports); a vendor export (age-encrypted
    to the vendor's key) for platform admins and the vendor's own token."""
    path, row = service.file_of(session, principal=principal, export_id=export_id,
                                settings=settings)
    media = "application/octet-stream" if row.age_recipient else MEDIA[row.format]
    return FileResponse(path, media_type=media, filename=path.name)


# -- vendors --------------------------------------------------------------------------


def vendor_read(session: Session, vendor: DataVendor) -> VendorRead:
    keys = vendors.keys_of(session, vendor.id)
    current = vendors.current_key(session, vendor.id)
    return VendorRead(
        id=vendor.id, name=vendor.name, created_at=vendor.created_at,
        age_recipient=current.age_recipient, key_id=current.id,
        keys=[VendorKeyRead.model_validate(k, from_attributes=True) for k in keys],
    )


@router.post("/vendors", response_model=VendorRead, status_code=201)
def add_vendor(body: VendorCreate, principal: VendorsAdd, session: SessionDep) -> VendorRead:
    """Register a vendor and the age recipient (age1…) its hand-overs are encrypted to."""
    found = vendors.add_vendor(session, principal=principal, name=body.name,
                               age_recipient=body.age_recipient)
    return vendor_read(session, found.vendor)


@router.get("/vendors", response_model=Page[VendorRead])
def list_vendors(
    principal: VendorsRead, session: SessionDep, cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[VendorRead]:
    """Registered vendors with their current key and key history (a vendor: itself)."""
    rows, next_cursor = paginate(session, vendors.vendors_query(principal), DataVendor.id,
                                 cursor=cursor, limit=limit)
    return Page[VendorRead](items=[vendor_read(session, v) for v in rows], next=next_cursor)


@router.post("/vendors/{vendor_id}/key", response_model=VendorRead)
def rotate_vendor_key(
    vendor_id: str, body: VendorKeyIn, principal: VendorsRotate, session: SessionDep
) -> VendorRead:
    """Make a new age recipient current (a platform admin, or the vendor's own token).

    The old key is kept, retired, so earlier hand-overs still name the key they
    were encrypted to; new hand-overs use the new one.
    """
    found = vendors.rotate_key(session, principal=principal, vendor=vendor_id,
                               age_recipient=body.age_recipient, reason=body.reason)
    return vendor_read(session, found.vendor)


# -- second approvals over the row cap ----------------------------------------------------


@router.post("/export-approvals", response_model=ApprovalRead, status_code=201)
def ask_approval(
    body: ApprovalCreate, principal: ApprovalsAsk, session: SessionDep
) -> ApprovalRead:
    """Ask a data owner to let one export of yours go over its level's row cap."""
    row = approvals.request(session, principal=principal, dataset=body.dataset,
                            fields=body.fields, rows=body.rows, purpose=body.purpose)
    return ApprovalRead.model_validate(row, from_attributes=True)


@router.get("/export-approvals", response_model=Page[ApprovalRead])
def list_approvals(
    principal: ApprovalsAsk, session: SessionDep, status: str | None = None,
    cursor: str | None = None, limit: int = DEFAULT_LIMIT,
) -> Page[ApprovalRead]:
    """Export approvals: your own, or (data owners, auditors, admins) every one."""
    stmt = approvals.approvals_query(principal, status=status)
    rows, next_cursor = paginate(session, stmt, DataExportApproval.id, cursor=cursor,
                                 limit=limit)
    return Page[ApprovalRead](
        items=[ApprovalRead.model_validate(r, from_attributes=True) for r in rows],
        next=next_cursor,
    )


@router.post("/export-approvals/{approval_id}/decision", response_model=ApprovalRead)
def decide_approval(
    approval_id: str, body: ApprovalDecision, principal: ApprovalsDecide, session: SessionDep
) -> ApprovalRead:
    """Approve or deny (data owners; never your own; within your dataset scope)."""
    row = approvals.decide(session, principal=principal, approval_id=approval_id,
                           outcome=body.outcome, reason=body.reason)
    return ApprovalRead.model_validate(row, from_attributes=True)
