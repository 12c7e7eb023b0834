"""``/portal``: send a signed-in person to their role's start page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import RedirectResponse

from marketguard.auth.portal_sessions import SignedIn
from marketguard.auth.roles import Role
from marketguard.web.guard import page_allow
from marketguard.web.templating import home_of

router = APIRouter(tags=["portal"], include_in_schema=False)

_SignedIn = Annotated[SignedIn, Depends(page_allow(*Role))]


@router.get("/portal")
def portal_home(signed_in: _SignedIn) -> RedirectResponse:
    """The start page of the signed-in person's role."""
    return RedirectResponse(home_of(signed_in.person.role), status_code=303)
