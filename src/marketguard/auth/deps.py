"""Authorization as reusable dependencies: every route declares who may call it.

``allow(*roles)`` returns a dependency that authenticates the bearer token and
checks the role; tenant scope (which brand, which seller) is then enforced by the
services with the principal they receive. A test walks every route and fails if
one declares no policy (see ``tests/api/test_route_policies.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from marketguard import db
from marketguard.api.deps import LoggedReadSessionDep, SessionDep
from marketguard.auth import cache
from marketguard.auth.roles import Principal, Role
from marketguard.auth.service import authenticate, token_id_of, verify
from marketguard.config import Settings
from marketguard.errors import Forbidden, Unauthenticated

POLICY_ATTR = "__marketguard_policy__"

_bearer = HTTPBearer(auto_error=False, description="A token from `marketguard token create`")


Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
Preload = Callable[[Session, str], None]
"""Run on a logged read's session with the bearer's token id, before the token is verified."""


def _secret(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("send a bearer token: Authorization: Bearer <token>")
    return credentials.credentials


def current_principal(
    request: Request, session: SessionDep, credentials: Credentials
) -> Principal:
    """Authenticate the bearer token of this request."""
    principal = authenticate(session, _secret(credentials))
    request.state.principal = principal
    return principal


def logged_read_principal(
    request: Request, session: LoggedReadSessionDep, credentials: Credentials
) -> Principal:
    """Authenticate like :func:`current_principal`, in a read's logged unit of work.

    A route whose reads are written to the access log opens its unit of work
    with a writer turn; authenticating in that same session (FastAPI shares a
    dependency within a request) spares the request a second unit of work.
    """
    principal = authenticate(session, _secret(credentials))
    request.state.principal = principal
    return principal


def _verify_now(settings: Settings, secret: str) -> tuple[Principal, Any]:
    with db.session_factory(settings.database_url)() as session:
        return verify(session, secret)


async def cached_principal(request: Request, credentials: Credentials) -> Principal:
    """Authenticate like :func:`current_principal`, trusting a recent verification.

    For hot routes only: it opens no unit of work, and a token revoked by
    another API process is still honoured for up to ``cache.TTL_S`` seconds.
    """
    secret = _secret(credentials)
    state = request.app.state
    principals: cache.PrincipalCache | None = getattr(state, "principal_cache", None)
    if principals is None:
        principals = state.principal_cache = cache.PrincipalCache()
    principal = principals.get(secret)
    if principal is None:
        principal = await _verify_and_remember(principals, state.settings, secret)
    request.state.principal = principal
    return principal


async def _verify_and_remember(
    principals: cache.PrincipalCache, settings: Settings, secret: str
) -> Principal:
    seen = cache.generation()
    principal, expires_at = await run_in_threadpool(_verify_now, settings, secret)
    principals.put(secret, principal, expires_at, seen)
    return principal


def _check(principal: Principal, allowed: frozenset[Role]) -> Principal:
    if principal.role not in allowed:
        names = ", ".join(sorted(r.value for r in allowed))
        raise Forbidden(f"role {principal.role.value} may not do this; allowed: {names}")
    return principal


def _declare(policy: Callable[..., Any], allowed: frozenset[Role], suffix: str = "") -> None:
    setattr(policy, POLICY_ATTR, allowed)
    policy.__name__ = "allow_" + "_".join(sorted(r.value for r in allowed)) + suffix


def allow(*roles: Role) -> Callable[..., Principal]:
    """Return a dependency admitting only callers holding one of ``roles``."""
    allowed = frozenset(roles)

    def policy(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        return _check(principal, allowed)

    _declare(policy, allowed)
    return policy


def allow_logged_read(*roles: Role, preload: Preload | None = None) -> Callable[..., Principal]:
    """Like :func:`allow`, for a GET that logs what it shows (``LoggedReadSessionDep``).

    ``preload(session, token_id)`` runs first, in the same session: a route that
    reads more about its caller right after authenticating (data protection: the
    caller's live grants) fetches the token row with it in one round trip, and
    the verification then finds the token in the session instead of asking the
    database. It proves nothing: the token is verified as always.
    """
    allowed = frozenset(roles)
    if preload is None:

        def policy(principal: Annotated[Principal, Depends(logged_read_principal)]) -> Principal:
            return _check(principal, allowed)

        _declare(policy, allowed, "_logged_read")
        return policy

    # One function, not a policy over a principal dependency: with postponed annotations
    # FastAPI resolves them in this module, where a nested dependency has no name.
    def preloaded_policy(
        request: Request, session: LoggedReadSessionDep, credentials: Credentials
    ) -> Principal:
        secret = _secret(credentials)
        token_id = token_id_of(secret)
        if token_id is not None:
            preload(session, token_id)
        principal = authenticate(session, secret)
        request.state.principal = principal
        return _check(principal, allowed)

    _declare(preloaded_policy, allowed, "_logged_read")
    return preloaded_policy


def allow_cached(*roles: Role) -> Callable[..., Any]:
    """Like :func:`allow`, for hot routes: no unit of work, recent tokens trusted.

    See :func:`cached_principal` for what the cache trades away.
    """
    allowed = frozenset(roles)

    async def policy(principal: Annotated[Principal, Depends(cached_principal)]) -> Principal:
        return _check(principal, allowed)

    _declare(policy, allowed, "_cached")
    return policy


def public() -> Callable[..., None]:
    """Return a dependency that marks a route as deliberately open to anyone."""

    def policy() -> None:
        return None

    setattr(policy, POLICY_ATTR, frozenset({"public"}))
    return policy


def route_policy(dependant: Any) -> frozenset[Any] | None:
    """Return the policy a route declares, searching its dependency tree."""
    call = getattr(dependant, "call", None)
    if call is not None and hasattr(call, POLICY_ATTR):
        return frozenset(getattr(call, POLICY_ATTR))
    for sub in getattr(dependant, "dependencies", []):
        found = route_policy(sub)
        if found is not None:
            return found
    return None


Admin = Annotated[Principal, Depends(allow(Role.platform_admin))]
Auditor = Annotated[Principal, Depends(allow(Role.auditor, Role.platform_admin))]
