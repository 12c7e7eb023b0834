"""Who may open a portal page, and the checks every portal form passes.

Pages declare their policy like API routes do (``page_allow(*roles)``), so the
route-policy walk of the tests covers them. A signed-out visitor is sent to
``/portal/login``; a signed-in person whose role may not see a page gets 403.
Every state-changing request proves it comes from our own pages twice: by the
session's CSRF token and, when the browser sends one, by its ``Origin``.
``SameSite=Lax`` alone is not enough, since another port on the same host is
the same site.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request

from marketguard.api.deps import SessionDep, SettingsDep
from marketguard.auth import portal_sessions
from marketguard.auth.deps import POLICY_ATTR
from marketguard.auth.portal_sessions import SignedIn
from marketguard.auth.roles import Role
from marketguard.config import Settings
from marketguard.errors import Forbidden

SESSION_COOKIE = "mg_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
LOGIN_PATH = "/portal/login"
STEP_UP_PATH = "/portal/step-up"


class SignInRequired(Exception):
    """Raised by a page dependency when nobody is signed in; answered with a redirect."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class StepUpRequired(Exception):
    """Raised before a sensitive action when the last passkey assertion is too old.

    Answered with a redirect to ``/portal/step-up?next=…``, which asks for the
    passkey again and then returns to ``next`` (a GET of the page the action is on).
    """

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def require_step_up(signed_in: SignedIn, settings: Settings, next_path: str) -> None:
    """Refuse a sensitive action (level-4 approval, store closure, brand rights) until
    the person has used their passkey within ``portal_step_up_after``."""
    if signed_in.needs_step_up(settings):
        raise StepUpRequired(next_path)


def login_url(next_path: str) -> str:
    """Where a signed-out visitor is sent, remembering the page they asked for."""
    return f"{LOGIN_PATH}?next={quote(next_path, safe='/')}"


def expected_origin(request: Request, settings: Settings) -> str:
    """The origin our pages are served from: settings, else the host the browser used."""
    if settings.portal_origin:
        return settings.portal_origin.rstrip("/")
    host = request.headers.get("host") or request.url.netloc
    return f"{request.url.scheme}://{host}"


def check_origin(request: Request, settings: Settings, *, required: bool) -> None:
    """Refuse a request whose ``Origin`` (or, lacking it, ``Referer``) is another site's.

    ``required``: refuse too when the browser sent neither (used where no CSRF
    token can exist yet, such as signing in).
    """
    origin = request.headers.get("origin")
    if origin is None:
        referer = request.headers.get("referer")
        if referer:
            parts = referer.split("/", 3)
            origin = "/".join(parts[:3]) if len(parts) >= 3 else referer
    if origin is None or origin == "null":
        if required or origin == "null":
            raise Forbidden("cross-site request refused: the browser sent no same-origin Origin")
        return
    if origin.rstrip("/") != expected_origin(request, settings):
        raise Forbidden(f"cross-site request refused: it came from {origin}")


def signed_in_or_none(
    request: Request, session: SessionDep, settings: SettingsDep
) -> SignedIn | None:
    """The live portal session of this request, or None when signed out."""
    found = portal_sessions.find(session, settings, request.cookies.get(SESSION_COOKIE))
    request.state.signed_in = found  # error pages keep the navigation
    if found is not None:
        request.state.principal = found.person
    return found


MaybeSignedIn = Annotated[SignedIn | None, Depends(signed_in_or_none)]


def _next_path(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def page_allow(*roles: Role) -> Callable[..., SignedIn]:
    """Return a page dependency admitting signed-in people holding one of ``roles``."""
    allowed = frozenset(roles)

    def policy(request: Request, signed_in: MaybeSignedIn) -> SignedIn:
        if signed_in is None:
            raise SignInRequired(_next_path(request))
        if signed_in.person.role not in allowed:
            names = ", ".join(sorted(r.value for r in allowed))
            raise Forbidden(
                f"a {signed_in.person.role.value} may not open this page; it is for: {names}"
            )
        return signed_in

    setattr(policy, POLICY_ATTR, allowed)
    policy.__name__ = "page_allow_" + "_".join(sorted(r.value for r in allowed))
    return policy


def page_public() -> Callable[..., SignedIn | None]:
    """A page anyone may open (sign-in, enrolment, transparency); it may know who is signed in."""

    def policy(signed_in: MaybeSignedIn) -> SignedIn | None:
        return signed_in

    setattr(policy, POLICY_ATTR, frozenset({"public"}))
    return policy


async def csrf_protected(request: Request, signed_in: MaybeSignedIn, settings: SettingsDep) -> None:
    """Refuse a state-changing request that does not come from one of our pages.

    The token comes from the form field ``csrf_token`` or, for ``fetch`` calls,
    the ``X-CSRF-Token`` header. Signed out, there is no token to check, so the
    ``Origin`` must be present and ours.
    """
    check_origin(request, settings, required=signed_in is None)
    if signed_in is None:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if sent is None or not _same(sent, signed_in.csrf_token):
        raise Forbidden("this form has expired or came from another site: reload the page")


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


CsrfProtected = Depends(csrf_protected)


def policy_of(dependency: Any) -> frozenset[Any] | None:
    """The roles a page dependency admits (for tests and the role menu)."""
    found = getattr(dependency, POLICY_ATTR, None)
    return frozenset(found) if found is not None else None
