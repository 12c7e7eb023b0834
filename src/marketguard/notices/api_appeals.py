"""Appeal routes: a seller appeals, the rights holder answers, a reviewer decides."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from marketguard.api.deps import SessionDep
from marketguard.api.pagination import DEFAULT_LIMIT, Page, paginate
from marketguard.notices import appeals
from marketguard.notices.auth import AppealsAnswer, AppealsFile, AppealsRead, NoticesDecide
from marketguard.notices.models import Appeal
from marketguard.notices.schemas import AnswerIn, AppealCreate, AppealDecisionIn, AppealRead
from marketguard.notices.settings import NoticeSettings, get_notice_settings

router = APIRouter(tags=["appeals"])
PolicyDep = Annotated[NoticeSettings, Depends(get_notice_settings)]


def appeal_read(appeal: Appeal) -> AppealRead:
    return AppealRead.model_validate(appeal, from_attributes=True)


@router.post("/appeals", response_model=AppealRead, status_code=201)
def file_appeal(body: AppealCreate, principal: AppealsFile, session: SessionDep,
                policy: PolicyDep) -> AppealRead:
    """Appeal a restriction of yours (a listing's takedown, or a statement such as a closure)."""
    appeal = appeals.file_appeal(
        session, actor=principal, listing_id=body.listing_id, statement_id=body.statement_id,
        explanation=body.explanation, evidence=[e.model_dump() for e in body.evidence],
        settings=policy,
    )
    return appeal_read(appeal)


@router.get("/appeals", response_model=Page[AppealRead])
def list_appeals(principal: AppealsRead, session: SessionDep, status: str | None = None,
                 cursor: str | None = None, limit: int = DEFAULT_LIMIT) -> Page[AppealRead]:
    """Page through appeals: a seller its own, a rights holder those on its notices."""
    stmt = appeals.appeals_query(principal, status=status)
    rows, next_cursor = paginate(session, stmt, Appeal.id, cursor=cursor, limit=limit)
    return Page[AppealRead](items=[appeal_read(a) for a in rows], next=next_cursor)


@router.get("/appeals/{appeal_id}", response_model=AppealRead)
def get_appeal(appeal_id: str, principal: AppealsRead, session: SessionDep) -> AppealRead:
    """Return one appeal with the seller's counter-notice and the rights holder's answer."""
    return appeal_read(appeals.visible_appeal(session, principal=principal, appeal_id=appeal_id))


@router.post("/appeals/{appeal_id}/answer", response_model=AppealRead)
def answer_appeal(appeal_id: str, body: AnswerIn, principal: AppealsAnswer,
                  session: SessionDep) -> AppealRead:
    """The rights holder's answer to a counter-notice: maintain or withdraw the notice."""
    appeal = appeals.answer_appeal(session, actor=principal, appeal_id=appeal_id,
                                   position=body.position, explanation=body.explanation)
    return appeal_read(appeal)


@router.post("/appeals/{appeal_id}/decision", response_model=AppealRead)
def decide_appeal(appeal_id: str, body: AppealDecisionIn, principal: NoticesDecide,
                  session: SessionDep, policy: PolicyDep) -> AppealRead:
    """Decide an appeal: ``reinstate`` reverses the restriction, ``uphold`` keeps it."""
    appeal = appeals.decide_appeal(session, actor=principal, appeal_id=appeal_id,
                                   outcome=body.outcome, reason=body.reason, settings=policy)
    return appeal_read(appeal)
