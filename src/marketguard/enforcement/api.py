"""Enforcement routes: statements of reasons, strikes and standing, reviewer actions."""

from __future__ import annotations

from fastapi import APIRouter

from marketguard.api.deps import SessionDep
from marketguard.api.pagination import DEFAULT_LIMIT, Page, paginate
from marketguard.auth.roles import Role
from marketguard.enforcement import service
from marketguard.enforcement.auth import EnforcementAct, EnforcementRead
from marketguard.enforcement.models import Statement
from marketguard.enforcement.schemas import (
    ClosureIn,
    RestrictionIn,
    ReversalIn,
    StandingRead,
    StatementRead,
    StrikeRead,
    SuspensionIn,
)
from marketguard.errors import NotFound

router = APIRouter(tags=["enforcement"])


def statement_read(statement: Statement) -> StatementRead:
    fields = {
        name: getattr(statement, name)
        for name in StatementRead.model_fields
        if name != "statement"
    }
    return StatementRead(**fields, statement=service.describe(statement))


@router.get("/statements", response_model=Page[StatementRead])
def list_statements(principal: EnforcementRead, session: SessionDep,
                    listing_id: str | None = None, seller_id: str | None = None,
                    cursor: str | None = None,
                    limit: int = DEFAULT_LIMIT) -> Page[StatementRead]:
    """Statements of reasons (a seller sees only its own), e.g. ``?listing_id=L-100``."""
    stmt = service.query(principal, listing_id=listing_id, seller_id=seller_id)
    rows, next_cursor = paginate(session, stmt, Statement.id, cursor=cursor, limit=limit)
    return Page[StatementRead](items=[statement_read(s) for s in rows], next=next_cursor)


@router.get("/statements/{statement_id}", response_model=StatementRead)
def get_statement(statement_id: str, principal: EnforcementRead,
                  session: SessionDep) -> StatementRead:
    """One statement of reasons."""
    return statement_read(service.visible(session, principal=principal,
                                          statement_id=statement_id))


@router.get("/sellers/{seller_id}/strikes", response_model=StandingRead)
def strikes(seller_id: str, principal: EnforcementRead, session: SessionDep) -> StandingRead:
    """A seller's active strikes and standing under the repeat-infringer policy."""
    if principal.role is Role.seller and principal.seller_id != seller_id:
        raise NotFound(f"no seller {seller_id!r} visible to this token")
    standing = service.standing(session, seller_id=seller_id)
    return StandingRead(
        seller_id=standing.seller_id, status=standing.status,
        strikes=[StrikeRead.model_validate(s, from_attributes=True) for s in standing.strikes],
        strikes_to_close=standing.strikes_to_close, window_days=standing.window_days,
        strikes_left=standing.strikes_left,
    )


@router.post("/listings/{listing_id}/restrictions", response_model=StatementRead,
             status_code=201)
def restrict(listing_id: str, body: RestrictionIn, principal: EnforcementAct,
             session: SessionDep) -> StatementRead:
    """A reviewer restricts a listing, with its statement of reasons (and a strike if asked)."""
    statement = service.restrict_listing(
        session, actor=principal, listing_id=listing_id, action=body.action, ground=body.ground,
        facts=body.facts, automated_detection=False, automated_decision="not_automated",
        source="reviewer", right_id=body.right_id, tos_clause=body.tos_clause,
        explanation=body.explanation,
    )
    if body.add_strike:
        service.add_strike(session, actor=principal, seller_id=statement.seller_id,
                           statement_id=statement.id, reason=f"reviewer: {body.facts[:200]}")
    return statement_read(statement)


@router.post("/statements/{statement_id}/reversal", response_model=StatementRead)
def reverse(statement_id: str, body: ReversalIn, principal: EnforcementAct,
            session: SessionDep) -> StatementRead:
    """Lift a restriction without an appeal (a reviewer's correction); strikes go with it."""
    statement = service.get_statement(session, statement_id=statement_id)
    service.remove_strikes(session, actor=principal, statement_id=statement_id,
                           reason=body.reason)
    if statement.status == "active":
        if statement.scope == "listing":
            service.reinstate_listing(session, actor=principal, statement_id=statement_id,
                                      reason=body.reason)
        elif statement.scope == "store":
            service.reopen_store(session, actor=principal, statement_id=statement_id,
                                 reason=body.reason)
        else:
            service.lift_suspension(session, actor=principal, statement_id=statement_id,
                                    reason=body.reason)
    return statement_read(statement)


@router.post("/sellers/{seller_id}/suspension", response_model=StatementRead, status_code=201)
def suspend(seller_id: str, body: SuspensionIn, principal: EnforcementAct,
            session: SessionDep) -> StatementRead:
    """Suspend a seller account (until a time, or until lifted)."""
    statement = service.suspend_seller(
        session, actor=principal, seller_id=seller_id, facts=body.facts, until=body.until,
        tos_clause=body.tos_clause, explanation=body.explanation,
    )
    return statement_read(statement)


@router.post("/sellers/{seller_id}/closure", response_model=StatementRead, status_code=201)
def close(seller_id: str, body: ClosureIn, principal: EnforcementAct,
          session: SessionDep) -> StatementRead:
    """Close a store: terminate the account and take all its listings down."""
    statement = service.close_store(
        session, actor=principal, seller_id=seller_id, ground=body.ground, facts=body.facts,
        source="reviewer", automated_detection=False, automated_decision="not_automated",
        right_id=body.right_id, tos_clause=body.tos_clause, explanation=body.explanation,
    )
    return statement_read(statement)
