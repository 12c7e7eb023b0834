"""Turn every error into an RFC 9457 problem document, in one place."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from marketguard.errors import MarketguardError

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://marketguard.dev/problems/"

log = logging.getLogger(__name__)


class Problem(BaseModel):
    """RFC 9457 problem details, as every error answer of the API."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[dict[str, Any]] | None = None


def problem_response(
    request: Request, *, status: int, title: str, detail: str, slug: str, **extra: Any
) -> Response:
    """An RFC 9457 problem document; for a portal page, the page the app renders instead."""
    page_error = getattr(request.app.state, "page_error", None)
    path = request.url.path
    if page_error is not None and (path == "/portal" or path.startswith("/portal/")):
        response: Response = page_error(request, status, title, detail)
        return response
    body: dict[str, Any] = {
        "type": TYPE_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _validation_detail(errors: list[dict[str, Any]]) -> str:
    parts = []
    for error in errors[:5]:
        loc = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
        parts.append(f"{loc or 'body'}: {error.get('msg')}")
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return "; ".join(parts) + more


def install(app: FastAPI) -> None:
    """Register the handlers that map errors to problem documents."""

    @app.exception_handler(MarketguardError)
    async def _domain(request: Request, exc: MarketguardError) -> Response:
        return problem_response(
            request,
            status=exc.status,
            title=exc.title,
            detail=exc.detail,
            slug=exc.type_slug,
            **exc.extra,
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")}
            for e in exc.errors()
        ]
        return problem_response(
            request,
            status=422,
            title="Invalid input",
            detail=_validation_detail(errors),
            slug="invalid-input",
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "Error")
        return problem_response(
            request,
            status=exc.status_code,
            title=title,
            detail=str(exc.detail),
            slug=title.lower().replace(" ", "-"),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s", request.url.path)
        return problem_response(
            request,
            status=500,
            title="Internal error",
            detail="marketguard failed on this request; the error was logged",
            slug="internal-error",
        )


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {PROBLEM_MEDIA_TYPE: {}}, "description": text}
    for status, text in {
        401: "Missing, invalid, expired or revoked bearer token",
        403: "The token's role may not call this route",
        404: "Not found (or not visible to this token)",
        409: "Conflict with the current state",
        422: "Invalid input",
    }.items()
}
