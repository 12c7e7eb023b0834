"""Second approvals: a data owner lets one export go over its level's row cap.

Why a row of its own and not an access grant: a grant says who may *see* a field
for a while; an export over the cap is one bulk copy leaving the platform. The
requester names the dataset, the fields, the most rows and why; a data owner
(never the requester, and within their dataset scope) approves or denies; the
export that relies on it must stay within what was approved, and uses it up.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from marketguard.audit import service as audit
from marketguard.auth.roles import Principal, Role
from marketguard.dataguard.exports.fields import check_fields
from marketguard.dataguard.exports.models import DataExportApproval
from marketguard.errors import Conflict, Forbidden, InvalidInput, NotFound
from marketguard.ids import new_id
from marketguard.timeutil import utcnow

MAX_PURPOSE = 2000
MAX_ROWS = 1_000_000_000


def _digest(approval: DataExportApproval) -> dict[str, Any]:
    return {"requester": approval.requester, "dataset": approval.dataset,
            "fields": approval.fields, "rows": approval.rows, "status": approval.status}


def request(
    session: Session, *, principal: Principal, dataset: str, fields: list[str], rows: int,
    purpose: str,
) -> DataExportApproval:
    """Ask a data owner to let one export of up to ``rows`` rows go over the cap."""
    found, names = check_fields(session, dataset, fields)
    if not purpose.strip():
        raise InvalidInput("purpose must not be empty: say why the export needs this many rows")
    if len(purpose) > MAX_PURPOSE:
        raise InvalidInput(f"purpose is longer than {MAX_PURPOSE} characters")
    if not 1 <= rows <= MAX_ROWS:
        raise InvalidInput(f"rows must be between 1 and {MAX_ROWS}, got {rows}")
    approval = DataExportApproval(
        id=new_id(), requester=principal.name, dataset=found.name, fields=names, rows=rows,
        purpose=purpose.strip(), status="pending", created_at=utcnow(), reason="",
    )
    session.add(approval)
    session.flush()
    audit.record(session, actor=principal.actor, action="data.export_approval_request",
                 object_type="data_export_approval", object_id=approval.id,
                 reason=approval.purpose, after=_digest(approval))
    return approval


def decide(
    session: Session, *, principal: Principal, approval_id: str, outcome: str, reason: str
) -> DataExportApproval:
    """Approve or deny (a data owner, never for their own export, within their dataset)."""
    if outcome not in ("approve", "deny"):
        raise InvalidInput(f"outcome must be approve or deny, got {outcome!r}")
    approval = session.get(DataExportApproval, approval_id, with_for_update=True)
    if approval is None:
        raise NotFound(f"no export approval with id {approval_id!r}")
    if principal.dataset and principal.dataset != approval.dataset:
        raise Forbidden(f"this data owner token is scoped to dataset {principal.dataset!r}; "
                        f"the export is of {approval.dataset!r}")
    if approval.requester == principal.name:
        raise Forbidden("nobody approves their own export; ask another data owner")
    if approval.status != "pending":
        raise Conflict(f"export approval {approval.id} is already {approval.status}")
    before = _digest(approval)
    approval.status = "approved" if outcome == "approve" else "denied"
    approval.decided_by = principal.name
    approval.decided_at = utcnow()
    approval.reason = reason.strip()
    audit.record(session, actor=principal.actor, action=f"data.export_approval_{outcome}",
                 object_type="data_export_approval", object_id=approval.id,
                 reason=approval.reason or None, before=before, after=_digest(approval))
    return approval


def usable(
    session: Session, *, principal: Principal, approval_id: str, dataset: str,
    fields: list[str], rows: int,
) -> DataExportApproval:
    """Return an approval this export may rely on, or say exactly why it may not."""
    approval = session.get(DataExportApproval, approval_id, with_for_update=True)
    if approval is None or approval.requester != principal.name:
        raise InvalidInput(f"approval: no export approval {approval_id!r} of yours")
    if approval.status != "approved":
        raise InvalidInput(f"approval: export approval {approval.id} is {approval.status}, "
                           "not approved")
    if approval.dataset != dataset:
        raise InvalidInput(f"approval: it is for dataset {approval.dataset!r}, not {dataset!r}")
    beyond = sorted(set(fields) - set(approval.fields))
    if beyond:
        raise InvalidInput(f"approval: it does not cover the field(s) {', '.join(beyond)}")
    if rows > approval.rows:
        raise InvalidInput(f"approval: it allows {approval.rows:,} rows, this export holds "
                           f"{rows:,}")
    return approval


def use(session: Session, *, approval: DataExportApproval, export_id: str) -> None:
    """Mark an approval used by an export (it lifts the cap once)."""
    approval.status = "used"
    approval.export_id = export_id


def approvals_query(principal: Principal, *, status: str | None) -> Select[Any]:
    """Approvals a caller may list: data owners (of a dataset), auditors, admins all; else own."""
    stmt = select(DataExportApproval)
    if principal.role in (Role.data_owner, Role.auditor, Role.platform_admin):
        if principal.dataset:
            stmt = stmt.where(DataExportApproval.dataset == principal.dataset)
    else:
        stmt = stmt.where(DataExportApproval.requester == principal.name)
    if status:
        stmt = stmt.where(DataExportApproval.status == status)
    return stmt
