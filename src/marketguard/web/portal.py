"""Mount the portal on the app: its routers, static files and HTML error pages.

Why in the API's app: pages call the same service functions under the same
tenant scopes, so isolation is the API's and nothing is written twice.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from marketguard.web.guard import STEP_UP_PATH, SignInRequired, StepUpRequired, login_url
from marketguard.web.routes import (
    access,
    brand,
    home,
    incidents,
    listings,
    notice_review,
    notices,
    passkeys,
    review,
    rights,
    sellers,
    signin,
    transparency,
)
from marketguard.web.templating import render

PAGE_PREFIX = "/portal"

# Every portal router; a new page module adds its router here.
ROUTERS: list[APIRouter] = [home.router, signin.router, passkeys.router]
# Rights holders' notice pages, the reviewers' notice queue, the brand and its appeals.
ROUTERS += [notices.router, notice_review.router, brand.router]
# Seller, reviewer (held listings, appeals), data-owner and transparency pages.
ROUTERS += [listings.router, review.router, access.router, transparency.router]
# The responders' incidents, ranked by damage.
ROUTERS += [incidents.router]
# Staff sensitive actions (step-up): closing a store, verifying a brand's rights.
ROUTERS += [sellers.router, rights.router]


def is_page(request: Request) -> bool:
    """Tell whether a request is for a portal page (its errors are HTML, not problems)."""
    return request.url.path == PAGE_PREFIX or request.url.path.startswith(PAGE_PREFIX + "/")


def error_page(request: Request, status: int, title: str, detail: str) -> Response:
    """An error as a page a person can read, keeping the navigation when signed in."""
    signed_in = getattr(request.state, "signed_in", None)
    return render(request, "error.html", signed_in, status_code=status,
                  title=title, detail=detail, status=status)


def install(app: FastAPI) -> None:
    """Add the portal's routes, static assets and error pages to ``app``."""
    for router in ROUTERS:
        app.include_router(router)
    static = Path(__file__).parent / "static"
    app.mount(f"{PAGE_PREFIX}/static", StaticFiles(directory=static), name="portal-static")
    app.state.page_error = error_page

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired) -> Response:
        if request.method in ("GET", "HEAD"):
            return RedirectResponse(login_url(exc.next_path), status_code=303)
        return error_page(request, 401, "Signed out", "Your session has ended: sign in again.")

    @app.exception_handler(StepUpRequired)
    async def _step_up(request: Request, exc: StepUpRequired) -> Response:
        # 303: the browser follows with a GET, whatever the refused action's method was.
        target = f"{STEP_UP_PATH}?next={quote(exc.next_path, safe='/')}"
        return RedirectResponse(target, status_code=303)

