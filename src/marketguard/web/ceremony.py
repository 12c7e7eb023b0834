"""What the passkey routes share: cookies, the relying party of a request, JSON answers.

Why JSON answers instead of raised errors: a failed ceremony must still be
committed (the spent challenge, the counted failure, its audit record), and a
raised error rolls the unit of work back.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from marketguard.auth.passkeys import RelyingParty, relying_party
from marketguard.config import Settings
from marketguard.errors import MarketguardError
from marketguard.web.guard import SESSION_COOKIE

CHALLENGE_COOKIE = "mg_webauthn"
_SAFE_PREFIXES = ("/portal", "/transparency", "/privacy")


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def rp_of(request: Request, settings: Settings) -> RelyingParty:
    """The relying party for this request: settings, else the host the browser used."""
    host = request.headers.get("host") or request.url.netloc
    return relying_party(settings, scheme=request.url.scheme, host=host)


def client_of(request: Request) -> str:
    """The address failed sign-ins are counted against."""
    return request.client.host if request.client else "unknown"


def safe_next(value: str | None, default: str) -> str:
    """A local page to return to; anything else (another site, ``//host``) gives ``default``."""
    if not value or not value.startswith(_SAFE_PREFIXES) or "\\" in value:
        return default
    if value.startswith("//") or "://" in value.split("?", 1)[0]:
        return default
    return value


def set_session_cookie(response: Response, request: Request, settings: Settings,
                       secret: str) -> None:
    """HttpOnly always, Secure over HTTPS, SameSite=Lax, for the whole site."""
    response.set_cookie(SESSION_COOKIE, secret, httponly=True, secure=is_https(request),
                        samesite="lax", path="/",
                        max_age=int(settings.portal_absolute_timeout.total_seconds()))


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, secure=is_https(request),
                           samesite="lax")


def with_challenge(options: dict[str, Any], secret: str, request: Request) -> JSONResponse:
    """Send ceremony options, binding their server-side challenge to this browser."""
    response = JSONResponse(options)
    response.set_cookie(CHALLENGE_COOKIE, secret, httponly=True, secure=is_https(request),
                        samesite="lax", path="/portal", max_age=300)
    return response


def challenge_secret(request: Request) -> str | None:
    return request.cookies.get(CHALLENGE_COOKIE)


def done(request: Request, redirect: str, status: int = 200) -> JSONResponse:
    """A finished ceremony: where the page goes next; the challenge cookie is spent."""
    response = JSONResponse({"redirect": redirect}, status_code=status)
    response.delete_cookie(CHALLENGE_COOKIE, path="/portal", httponly=True,
                           secure=is_https(request), samesite="lax")
    return response


def refused(error: MarketguardError, **extra: Any) -> JSONResponse:
    """A refused ceremony as a problem document the page shows in its alert."""
    body = {"type": f"https://marketguard.dev/problems/{error.type_slug}",
            "title": error.title, "status": error.status, "detail": error.detail, **extra}
    return JSONResponse(body, status_code=error.status, media_type="application/problem+json")
