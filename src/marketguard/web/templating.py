"""Rendering portal pages: one Jinja2 environment, autoescaped, with the session's context.

Every page template extends ``base.html``, which draws the navigation for the
person's role and the **Sign out** button (FORMATS §9), and receives the CSRF
token its forms must carry.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from marketguard.auth.portal_sessions import SignedIn
from marketguard.auth.roles import Role
from marketguard.timeutil import format_rfc3339

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
TEMPLATES.env.filters["rfc3339"] = lambda moment: format_rfc3339(moment) if moment else ""

# What each role finds in the navigation: (label, path). A role's first entry is
# where ``/portal`` sends it after sign-in. Pages add themselves here.
NAVIGATION: dict[Role, list[tuple[str, str]]] = {role: [] for role in Role}


def add_navigation(label: str, path: str, *roles: Role) -> None:
    """List a page in the navigation of ``roles`` (called when a page module is imported)."""
    for role in roles:
        if (label, path) not in NAVIGATION[role]:
            NAVIGATION[role].append((label, path))


def home_of(role: Role) -> str:
    """Where a person of ``role`` lands after signing in."""
    entries = NAVIGATION.get(role) or []
    return entries[0][1] if entries else "/portal/passkeys"


def render(
    request: Request,
    template: str,
    signed_in: SignedIn | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render ``template`` with the person, their navigation and the CSRF token."""
    base: dict[str, Any] = {
        "signed_in": signed_in,
        "person": signed_in.person if signed_in else None,
        "csrf_token": signed_in.csrf_token if signed_in else "",
        "navigation": NAVIGATION.get(signed_in.person.role, []) if signed_in else [],
        "path": request.url.path,
    }
    return TEMPLATES.TemplateResponse(request, template, {**base, **context},
                                      status_code=status_code)
