"""Typed domain errors, turned into RFC 9457 problem documents in one place.

Every error a user can cause is a subclass of :class:`MarketguardError`. It carries
the HTTP status, a short stable ``title`` and a ``detail`` a person can act on. The
API maps them in :mod:`marketguard.api.problems`; the CLI prints ``detail`` on one
line and exits non-zero. Services raise these and never return error codes.
"""

from __future__ import annotations

from typing import Any


class MarketguardError(Exception):
    """Base of every error that is the caller's to fix (or to know about)."""

    status: int = 400
    title: str = "Bad request"
    type_slug: str = "bad-request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra

    def __str__(self) -> str:
        return self.detail


class InvalidInput(MarketguardError):
    """The input breaks a rule of the format or of the domain."""

    status = 422
    title = "Invalid input"
    type_slug = "invalid-input"


class NotFound(MarketguardError):
    status = 404
    title = "Not found"
    type_slug = "not-found"


class Conflict(MarketguardError):
    status = 409
    title = "Conflict"
    type_slug = "conflict"


class Unauthenticated(MarketguardError):
    status = 401
    title = "Authentication required"
    type_slug = "unauthenticated"


class Forbidden(MarketguardError):
    status = 403
    title = "Forbidden"
    type_slug = "forbidden"


class ConfigurationError(MarketguardError):
    """Settings are missing or unusable (bad URL, placeholder secret in production)."""

    status = 500
    title = "Configuration error"
    type_slug = "configuration-error"
