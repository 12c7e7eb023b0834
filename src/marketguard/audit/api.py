"""Audit routes for auditors: read the log and verify it."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel

from marketguard.api.deps import SessionDep, SettingsDep
from marketguard.audit import service
from marketguard.audit.verify import verify_log
from marketguard.auth.deps import Auditor
from marketguard.incidents.detectors import audit_verification_failed
from marketguard.uow import audit_context

router = APIRouter(tags=["audit"])


class AuditRecordRead(BaseModel):
    id: str
    seq: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    reason: str | None
    before_digest: str | None
    after_digest: str | None
    hash: str


class AuditPage(BaseModel):
    items: list[AuditRecordRead]
    next: str | None


class VerificationRead(BaseModel):
    ok: bool
    kind: str
    record_id: str | None
    message: str
    records: int


@router.get("/audit/records", response_model=AuditPage)
def list_records(
    principal: Auditor,
    session: SessionDep,
    cursor: str | None = None,
    object_id: str | None = None,
    limit: int = 100,
) -> AuditPage:
    """Page through the audit log in chain order; ``cursor`` is the last seq seen."""
    after = int(cursor) if cursor and cursor.isdigit() else 0
    rows = service.list_records(
        session, after_seq=after, limit=min(max(limit, 1), 500), object_id=object_id
    )
    items = [AuditRecordRead.model_validate(r, from_attributes=True) for r in rows]
    next_cursor = str(rows[-1].seq) if len(rows) == limit else None
    return AuditPage(items=items, next=next_cursor)


@router.get("/audit/verification", response_model=VerificationRead)
def verify(
    principal: Auditor, session: SessionDep, settings: SettingsDep, request: Request
) -> VerificationRead:
    """Verify the whole chain, prove it continues from the signed head, name any problem."""
    context = audit_context(settings)
    finding = verify_log(session, context.key, context.checkpoints)
    if not finding.ok:  # a scheduled check calls this route: the failure opens an incident
        audit_verification_failed(session, settings, kind=finding.kind, message=finding.message,
                                  records=finding.records, record_id=finding.record_id)
    return VerificationRead(
        ok=finding.ok,
        kind=finding.kind,
        record_id=finding.record_id,
        message=finding.message,
        records=finding.records,
    )
