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

from marketguard.api.deps import SessionDep
from marketguard.auth.roles import Principal, Role
from marketguard.auth.service import authenticate
from marketguard.errors import Forbidden, Unauthenticated

POLICY_ATTR = "__marketguard_policy__"

_bearer = HTTPBearer(auto_error=False, description="A token from `marketguard token create`")


def current_principal(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """Authenticate the bearer token of this request."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("send a bearer token: Authorization: Bearer <token>")
    principal = authenticate(session, credentials.credentials)
    request.state.principal = principal
    return principal


def allow(*roles: Role) -> Callable[..., Principal]:
    """Return a dependency admitting only callers holding one of ``roles``."""
    allowed = frozenset(roles)

    def policy(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if principal.role not in allowed:
            names = ", ".join(sorted(r.value for r in allowed))
            raise Forbidden(f"role {principal.role.value} may not do this; allowed: {names}")
        return principal

    setattr(policy, POLICY_ATTR, allowed)
    policy.__name__ = "allow_" + "_".join(sorted(r.value for r in allowed))
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
