"""Token routes: who am I, and token administration for platform admins."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from marketguard.api.deps import SessionDep
from marketguard.auth import service
from marketguard.auth.deps import Admin, allow
from marketguard.auth.roles import Principal, Role
from marketguard.errors import InvalidInput
from marketguard.timeutil import parse_duration

router = APIRouter(tags=["auth"])

AnyRole = Annotated[Principal, Depends(allow(*Role))]


class PrincipalRead(BaseModel):
    token_id: str
    name: str
    role: Role
    brand_id: str | None
    seller_id: str | None
    dataset: str | None = None


class TokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    role: Role
    brand_id: str | None = None
    seller_id: str | None = None
    dataset: str | None = Field(default=None, description="data_owner only: one dataset")
    expires_in: str | None = Field(default=None, description="e.g. 30d, 12h")


class TokenRead(BaseModel):
    id: str
    name: str
    role: str
    brand_id: str | None
    seller_id: str | None
    dataset: str | None = None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class TokenIssued(TokenRead):
    token: str = Field(description="The secret, shown only in this answer")


@router.get("/me", response_model=PrincipalRead)
def whoami(principal: AnyRole) -> PrincipalRead:
    """Return the principal the bearer token stands for."""
    return PrincipalRead(
        token_id=principal.token_id,
        name=principal.name,
        role=principal.role,
        brand_id=principal.brand_id,
        seller_id=principal.seller_id,
        dataset=principal.dataset,
    )


@router.post("/tokens", response_model=TokenIssued, status_code=201)
def create_token(body: TokenCreate, principal: Admin, session: SessionDep) -> TokenIssued:
    """Issue a token; its secret is in this answer and nowhere else."""
    try:
        expires = parse_duration(body.expires_in) if body.expires_in else None
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    issued = service.create_token(
        session,
        actor=principal,
        name=body.name,
        role=body.role.value,
        brand_id=body.brand_id,
        seller_id=body.seller_id,
        dataset=body.dataset,
        expires_in=expires,
    )
    read = TokenRead.model_validate(issued.token, from_attributes=True)
    return TokenIssued(**read.model_dump(), token=issued.secret)


@router.post("/tokens/{token_id}/revocation", response_model=TokenRead)
def revoke_token(token_id: str, principal: Admin, session: SessionDep) -> TokenRead:
    """Revoke a token at once."""
    token = service.revoke_token(session, actor=principal, token_id=token_id)
    return TokenRead.model_validate(token, from_attributes=True)
