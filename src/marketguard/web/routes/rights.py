"""Staff page for a brand's rights: their verification status, and verifying or rejecting one.

Whether a right is verified decides what notices filed on it may take down, so
changing it is a sensitive action: it asks for the passkey again when the last
assertion is older than ``portal_step_up_after``. The page calls the service
``POST /rights/{id}/verification`` calls, with the same role (platform admin).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from marketguard.api.deps import SessionDep, SettingsDep
from marketguard.api.pagination import paginate
from marketguard.auth.portal_sessions import SignedIn
from marketguard.auth.roles import Role
from marketguard.brands import service
from marketguard.brands.models import Brand
from marketguard.errors import InvalidInput, NotFound
from marketguard.web.guard import CsrfProtected, page_allow, require_step_up
from marketguard.web.templating import add_navigation, render

router = APIRouter(tags=["portal"], include_in_schema=False)
BRANDS_PATH = "/portal/brands"
add_navigation("Brand rights", BRANDS_PATH, Role.platform_admin)
PAGE_SIZE = 50

# The role the API admits for a verification (brands.auth.RightsVerify).
_Admin = Annotated[SignedIn, Depends(page_allow(Role.platform_admin))]


def rights_path(brand_id: str) -> str:
    return f"{BRANDS_PATH}/{brand_id}/rights"


@router.get(BRANDS_PATH, response_class=HTMLResponse)
def brands_page(request: Request, signed_in: _Admin, session: SessionDep,
                cursor: str | None = None) -> HTMLResponse:
    """The brands, each linking to its rights."""
    brands, next_cursor = paginate(session, service.brands_query(signed_in.person), Brand.id,
                                   cursor=cursor, limit=PAGE_SIZE)
    return render(request, "staff/brands.html", signed_in, brands=brands,
                  next_cursor=next_cursor)


def _page(request: Request, signed_in: SignedIn, session: Session, brand_id: str, *,
          status_code: int = 200, error: str | None = None, failed: str | None = None,
          reason: str = "") -> HTMLResponse:
    brand = service.get_brand(session, principal=signed_in.person, brand_id=brand_id)
    rights = service.rights_of(session, [brand.id])[brand.id]
    return render(request, "staff/rights.html", signed_in, status_code=status_code,
                  error=error, failed=failed, reason=reason, brand=brand, rights=rights)


@router.get(BRANDS_PATH + "/{brand_id}/rights", response_class=HTMLResponse)
def rights_page(request: Request, brand_id: str, signed_in: _Admin,
                session: SessionDep) -> HTMLResponse:
    """A brand's rights with their verification status and the verify/reject forms."""
    return _page(request, signed_in, session, brand_id)


@router.post(BRANDS_PATH + "/{brand_id}/rights/{right_id}/verification",
             dependencies=[CsrfProtected], response_model=None)
def verify(request: Request, brand_id: str, right_id: str, signed_in: _Admin,
           session: SessionDep, settings: SettingsDep,
           status: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = "") -> Response:
    """Verify or reject a right (a reason is required), after a fresh passkey."""
    brand = service.get_brand(session, principal=signed_in.person, brand_id=brand_id)
    if right_id not in {r.id for r in service.rights_of(session, [brand.id])[brand.id]}:
        raise NotFound(f"brand {brand_id} has no right {right_id!r}")
    try:
        if not reason.strip():
            raise InvalidInput("say why: the brand reads the reason for the decision")
        if status not in ("verified", "rejected"):
            raise InvalidInput("choose Verify or Reject")
        require_step_up(signed_in, settings, rights_path(brand_id))
        service.verify_right(session, actor=signed_in.person, right_id=right_id,
                             status=status, reason=reason.strip())
    except InvalidInput as exc:
        session.rollback()
        return _page(request, signed_in, session, brand_id, status_code=exc.status,
                     error=exc.detail, failed=right_id, reason=reason)
    return RedirectResponse(rights_path(brand_id), status_code=303)
