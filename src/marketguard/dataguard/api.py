"""Data-protection routes (FORMATS §7): catalog, masked records, requests, grants, log."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session

from marketguard.api.deps import LoggedReadSessionDep, SessionDep, SettingsDep
from marketguard.api.pagination import (
    DEFAULT_LIMIT,
    Page,
    check_limit,
    decode_cursor,
    encode_cursor,
    paginate,
)
from marketguard.dataguard import alerts, service
from marketguard.dataguard.auth import (
    DataAlertsAck,
    DataAlertsRead,
    DataDecide,
    DataLogRead,
    DataRevoke,
    DataStaff,
    DataStaffLoggedRead,
)
from marketguard.dataguard.models import DataAccessLog, DataAccessRequest, DataAlert, DataGrant
from marketguard.dataguard.schemas import (
    AccessLogRead,
    AccessRequestCreate,
    AccessRequestRead,
    AlertAcknowledge,
    AlertRead,
    ApprovalRead,
    CatalogRead,
    DecisionIn,
    GrantBrief,
    GrantRead,
    RecordRead,
    record_page_example,
)
from marketguard.errors import NotFound
from marketguard.timeutil import utcnow

router = APIRouter(prefix="/data", tags=["data protection"])
_SEP = "\x1f"


@router.get("/catalog", response_model=Page[CatalogRead])
def get_catalog(
    principal: DataStaff,
    session: SessionDep,
    settings: SettingsDep,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[CatalogRead]:
    """Every classified field of every dataset: level, category, owner, purpose, clearances,
    and for personal fields how long they are kept."""
    limit = check_limit(limit)
    entries = service.catalog(session, clearances=settings.data_clearances,
                              retention=settings.data_retention)
    after = decode_cursor(cursor) if cursor else None
    keyed = [(f"{e.dataset}{_SEP}{e.field}", e) for e in entries]
    rest = [(k, e) for k, e in keyed if after is None or k > after]
    page = rest[:limit]
    next_cursor = encode_cursor(page[-1][0]) if len(rest) > limit else None
    return Page[CatalogRead](
        items=[CatalogRead(**vars(e)) for _, e in page], next=next_cursor
    )


@router.get(
    "/datasets/{dataset}/records",
    response_model=None,
    responses={
        200: {
            "model": Page[RecordRead],
            "content": {"application/json": {"example": record_page_example()}},
        }
    },
)
def read_records(
    dataset: str,
    principal: DataStaffLoggedRead,
    session: LoggedReadSessionDep,
    settings: SettingsDep,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
    purpose: Annotated[
        str | None,
        Query(description="Why you read (optional); compared with your grant's purpose"),
    ] = None,
) -> Response:
    """A page of records; level-3/4 fields you hold no live grant or clearance for are masked.

    A page showing level-3/4 values unmasked is written to the access log.
    """
    items, next_cursor = service.read_records(
        session, principal=principal, dataset=dataset, cursor=cursor, limit=limit,
        settings=settings, purpose=purpose,
    )
    # Records are plain JSON values already; orjson writes a page in a fraction of the
    # time FastAPI's generic encoder takes, which walks every value in Python.
    return Response(orjson.dumps({"items": items, "next": next_cursor}),
                    media_type="application/json")


def request_read(session: Session, request: DataAccessRequest) -> AccessRequestRead:
    grant = session.get(DataGrant, request.grant_id) if request.grant_id else None
    return AccessRequestRead(
        id=request.id,
        status=request.status,
        approvals_required=request.approvals_required,
        requester=request.requester,
        dataset=request.dataset,
        fields=list(request.fields),
        level=request.level,
        purpose=request.purpose,
        duration=request.duration,
        created_at=request.created_at,
        decided_at=request.decided_at,
        approvals=[
            ApprovalRead.model_validate(a, from_attributes=True)
            for a in service.approvals_of(session, request.id)
        ],
        grant=GrantBrief(id=grant.id, fields=list(grant.fields), expires_at=grant.expires_at)
        if grant is not None
        else None,
    )


@router.post("/access-requests", response_model=AccessRequestRead, status_code=201)
def create_access_request(
    body: AccessRequestCreate, principal: DataStaff, session: SessionDep, settings: SettingsDep
) -> AccessRequestRead:
    """Ask for time-limited access to level-3/4 fields; a data owner decides."""
    request = service.create_request(
        session,
        principal=principal,
        dataset=body.dataset,
        fields=body.fields,
        purpose=body.purpose,
        duration=body.duration,
        settings=settings,
    )
    session.flush()
    return request_read(session, request)


@router.get("/access-requests", response_model=Page[AccessRequestRead])
def list_access_requests(
    principal: DataStaff,
    session: SessionDep,
    status: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[AccessRequestRead]:
    """Requests: your own, or (data owners, auditors, admins) every one."""
    stmt = service.requests_query(principal, status=status)
    rows, next_cursor = paginate(session, stmt, DataAccessRequest.id, cursor=cursor, limit=limit)
    return Page[AccessRequestRead](items=[request_read(session, r) for r in rows],
                                   next=next_cursor)


@router.get("/access-requests/{request_id}", response_model=AccessRequestRead)
def get_access_request(
    request_id: str, principal: DataStaff, session: SessionDep
) -> AccessRequestRead:
    """One request with its approvals (your own, or any for data owners and auditors)."""
    request = service.get_request(session, request_id=request_id)
    visible = service.requests_query(principal, status=None).where(
        DataAccessRequest.id == request_id
    )
    if session.scalars(visible).first() is None:
        raise NotFound(f"no access request with id {request_id!r}")
    return request_read(session, request)


@router.post("/access-requests/{request_id}/decision", response_model=AccessRequestRead)
def decide_access_request(
    request_id: str, body: DecisionIn, principal: DataDecide, session: SessionDep
) -> AccessRequestRead:
    """Approve or deny (data owners; never your own). Level 4 needs two approvers."""
    request, _ = service.decide(
        session, principal=principal, request_id=request_id, outcome=body.outcome,
        reason=body.reason,
    )
    session.flush()
    return request_read(session, request)


def grant_read(grant: DataGrant) -> GrantRead:
    now = utcnow()
    return GrantRead(
        id=grant.id,
        request_id=grant.request_id,
        grantee=grant.grantee,
        dataset=grant.dataset,
        fields=list(grant.fields),
        level=grant.level,
        purpose=grant.purpose,
        granted_at=grant.granted_at,
        expires_at=grant.expires_at,
        revoked_at=grant.revoked_at,
        revoked_by=grant.revoked_by,
        active=grant.revoked_at is None and grant.expires_at > now,
    )


@router.get("/grants", response_model=Page[GrantRead])
def list_grants(
    principal: DataStaff,
    session: SessionDep,
    active: bool | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[GrantRead]:
    """Grants: your own, or (data owners, auditors, admins) every one; ``active=true`` live only."""
    stmt = service.grants_query(principal, active=active)
    rows, next_cursor = paginate(session, stmt, DataGrant.id, cursor=cursor, limit=limit)
    return Page[GrantRead](items=[grant_read(g) for g in rows], next=next_cursor)


@router.delete("/grants/{grant_id}", response_model=GrantRead)
def revoke_grant(
    grant_id: str, principal: DataRevoke, session: SessionDep, reason: str | None = None
) -> GrantRead:
    """Revoke a grant at once (its grantee, a data owner or a platform admin)."""
    grant = service.revoke_grant(session, principal=principal, grant_id=grant_id, reason=reason)
    return grant_read(grant)


@router.get("/access-log", response_model=Page[AccessLogRead])
def access_log(
    principal: DataLogRead,
    session: SessionDep,
    actor: str | None = None,
    dataset: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[AccessLogRead]:
    """Who read or exported level-3/4 fields: when, what, how many rows, under what grant."""
    stmt = service.access_log_query(actor=actor, dataset=dataset)
    rows, next_cursor = paginate(session, stmt, DataAccessLog.id, cursor=cursor, limit=limit)
    return Page[AccessLogRead](
        items=[AccessLogRead.model_validate(r, from_attributes=True) for r in rows],
        next=next_cursor,
    )


@router.get("/alerts", response_model=Page[AlertRead])
def list_alerts(
    principal: DataAlertsRead,
    session: SessionDep,
    settings: SettingsDep,
    status: str | None = None,
    dataset: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[AlertRead]:
    """Alerts on abnormal reads, newest first (a scoped data owner sees their dataset's)."""
    limit = check_limit(limit)
    stmt = alerts.alerts_query(principal, status=status, dataset=dataset)
    alerts.evaluator_for(settings).catch_up()  # reads logged a moment ago are in the list
    if cursor:
        stmt = stmt.where(DataAlert.id < decode_cursor(cursor))
    rows = list(session.scalars(stmt.order_by(DataAlert.id.desc()).limit(limit + 1)))
    next_cursor = encode_cursor(rows[limit - 1].id) if len(rows) > limit else None
    return Page[AlertRead](
        items=[AlertRead.model_validate(r, from_attributes=True) for r in rows[:limit]],
        next=next_cursor,
    )


@router.post("/alerts/{alert_id}/acknowledge", response_model=AlertRead)
def acknowledge_alert(
    alert_id: str, body: AlertAcknowledge, principal: DataAlertsAck, session: SessionDep
) -> AlertRead:
    """Acknowledge an alert with a note (data owners; not an alert about your own reads)."""
    alert = alerts.acknowledge(session, principal=principal, alert_id=alert_id, note=body.note)
    session.flush()
    return AlertRead.model_validate(alert, from_attributes=True)
