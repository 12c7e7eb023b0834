"""Create, authenticate and revoke bearer tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketguard.audit import service as audit
from marketguard.auth.cache import tokens_changed
from marketguard.auth.models import ApiToken
from marketguard.auth.roles import SCOPED_ROLES, SYSTEM, Principal, Role
from marketguard.brands import service as brands
from marketguard.catalog import service as catalog
from marketguard.dataguard.datasets import dataset_names
from marketguard.errors import InvalidInput, NotFound, Unauthenticated
from marketguard.ids import new_id
from marketguard.timeutil import utcnow
from marketguard.uow import on_commit

TOKEN_PREFIX = "mgt"


@dataclass(frozen=True)
class IssuedToken:
    """A newly created token; ``secret`` exists only here and is never stored."""

    token: ApiToken
    secret: str


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    session: Session,
    *,
    actor: Principal,
    name: str,
    role: str,
    brand_id: str | None = None,
    seller_id: str | None = None,
    dataset: str | None = None,
    expires_in: timedelta | None = None,
) -> IssuedToken:
    """Issue a token for a role, with the tenant scope that role requires."""
    if not name.strip():
        raise InvalidInput("a token needs a non-empty --name")
    parsed = check_role_scope(
        session, role, brand_id=brand_id, seller_id=seller_id, dataset=dataset
    )
    now = utcnow()
    token_id = new_id()
    secret = f"{TOKEN_PREFIX}_{token_id}_{secrets.token_urlsafe(32)}"
    token = ApiToken(
        id=token_id,
        name=name.strip(),
        role=parsed.value,
        brand_id=brand_id,
        seller_id=seller_id,
        dataset=dataset,
        secret_hash=_hash(secret),
        created_at=now,
        expires_at=now + expires_in if expires_in else None,
    )
    session.add(token)
    audit.record(
        session,
        actor=actor.actor,
        action="token.create",
        object_type="token",
        object_id=token_id,
        after={
            "name": token.name,
            "role": token.role,
            "brand_id": brand_id,
            "seller_id": seller_id,
            "dataset": dataset,
            "expires_at": str(token.expires_at),
        },
    )
    return IssuedToken(token, secret)


def check_role_scope(
    session: Session,
    role: str,
    *,
    brand_id: str | None = None,
    seller_id: str | None = None,
    dataset: str | None = None,
) -> Role:
    """Parse a role and check it holds exactly the tenant scope it requires.

    Shared by tokens (machines) and people (portal), so both refuse alike.
    """
    try:
        parsed = Role(role)
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise InvalidInput(f"unknown role {role!r}; choose one of: {choices}") from None
    scope = SCOPED_ROLES.get(parsed)
    if scope == "brand" and not brand_id:
        raise InvalidInput("a rights_holder must be scoped to a brand: pass --brand")
    if scope == "seller" and not seller_id:
        raise InvalidInput("a seller must be scoped to a seller: pass --seller")
    if scope != "brand" and brand_id:
        raise InvalidInput(f"--brand only applies to rights_holder, not {parsed.value}")
    if scope != "seller" and seller_id:
        raise InvalidInput(f"--seller only applies to seller, not {parsed.value}")
    if dataset is not None:
        _check_dataset(parsed, dataset)
    _check_scope_exists(session, brand_id=brand_id, seller_id=seller_id)
    return parsed


def _check_dataset(role: Role, dataset: str) -> None:
    """A dataset scope narrows a data owner to one dataset; it means nothing elsewhere."""
    if role is not Role.data_owner:
        raise InvalidInput(f"--dataset only applies to data_owner tokens, not {role.value}")
    if dataset not in dataset_names():
        raise InvalidInput(
            f"unknown dataset {dataset!r}; `marketguard data catalog` lists the datasets"
        )


def _check_scope_exists(session: Session, *, brand_id: str | None, seller_id: str | None) -> None:
    """Refuse a token scoped to a brand or seller this marketplace does not have."""
    if brand_id is not None:
        try:
            brands.get_brand(session, principal=SYSTEM, brand_id=brand_id)
        except NotFound:
            raise InvalidInput(
                f"unknown brand {brand_id!r}: give the id of an existing brand "
                "(GET /api/v1/brands lists them; import one with `marketguard brands import`)",
                errors=[{"field": "brand_id", "reason": "no such brand"}],
            ) from None
    if seller_id is not None:
        try:
            catalog.get_seller(session, principal=SYSTEM, seller_id=seller_id)
        except NotFound:
            raise InvalidInput(
                f"unknown seller {seller_id!r}: import it first with `marketguard catalog import`",
                errors=[{"field": "seller_id", "reason": "no such seller"}],
            ) from None


def authenticate(session: Session, secret: str, *, now: datetime | None = None) -> Principal:
    """Return the principal for a bearer secret, or raise ``Unauthenticated``."""
    return verify(session, secret, now=now)[0]


def token_id_of(secret: str) -> str | None:
    """Return the id of the token a bearer secret names, or None when it is malformed."""
    parts = secret.split("_")
    if len(parts) < 3 or parts[0] != TOKEN_PREFIX:
        return None
    return parts[1]


def verify(
    session: Session, secret: str, *, now: datetime | None = None
) -> tuple[Principal, datetime | None]:
    """Return the principal for a bearer secret and when the token expires."""
    parts = secret.split("_")
    if len(parts) < 3 or parts[0] != TOKEN_PREFIX:
        raise Unauthenticated(
            "the bearer token is malformed; create one with `marketguard token create`"
        )
    token = session.get(ApiToken, parts[1])
    if token is None or not hmac.compare_digest(token.secret_hash, _hash(secret)):
        raise Unauthenticated("the bearer token is not valid")
    moment = now or utcnow()
    if token.revoked_at is not None:
        raise Unauthenticated("the bearer token was revoked")
    if token.expires_at is not None and token.expires_at <= moment:
        raise Unauthenticated("the bearer token has expired")
    principal = Principal(
        token_id=token.id,
        name=token.name,
        role=Role(token.role),
        brand_id=token.brand_id,
        seller_id=token.seller_id,
        dataset=token.dataset,
    )
    return principal, token.expires_at


def revoke_token(session: Session, *, actor: Principal, token_id: str) -> ApiToken:
    """Revoke a token now; later requests with it are refused."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"no token with id {token_id!r}")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        on_commit(session, tokens_changed)
        audit.record(
            session,
            actor=actor.actor,
            action="token.revoke",
            object_type="token",
            object_id=token_id,
        )
    return token


def list_tokens(session: Session) -> list[ApiToken]:
    """Return every token (never their secrets) in creation order."""
    return list(session.scalars(select(ApiToken).order_by(ApiToken.id)))
