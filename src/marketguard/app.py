"""The FastAPI application factory: one app, every domain router under ``/api/v1``."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text

from marketguard import __version__, db
from marketguard.api import problems
from marketguard.api.idempotency import IdempotencyMiddleware
from marketguard.audit.api import router as audit_router
from marketguard.auth.api import router as auth_router
from marketguard.brands.api import router as brands_router
from marketguard.catalog.api import router as catalog_router
from marketguard.config import Settings, get_settings
from marketguard.detection.api import router as detection_router
from marketguard.enforcement.api import router as enforcement_router
from marketguard.notices.api import router as notices_router
from marketguard.reports.api import router as reports_router
from marketguard.risk.api import router as risk_router

API_PREFIX = "/api/v1"
DOMAIN_ROUTERS: list[APIRouter] = [
    auth_router,
    brands_router,
    catalog_router,
    detection_router,
    risk_router,
    audit_router,
    notices_router,
    enforcement_router,
    reports_router,
]


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the API for these settings (default: from the environment)."""
    settings = settings or get_settings()
    app = FastAPI(
        title="marketguard",
        version=__version__,
        description="Trust & safety for online marketplaces: brand protection, notice and "
        "takedown, real-time risk decisions. Errors are RFC 9457 problem documents; "
        "POST routes honour an `Idempotency-Key` header; lists paginate with `cursor`.",
        responses=problems.PROBLEM_RESPONSES,
    )
    app.state.settings = settings
    problems.install(app)
    app.add_middleware(IdempotencyMiddleware, database_url=settings.database_url)
    for router in DOMAIN_ROUTERS:
        app.include_router(router, prefix=API_PREFIX)

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"])
    def readyz() -> JSONResponse:
        """Readiness: the database answers."""
        try:
            with db.get_engine(settings.database_url).connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:  # any driver error means not ready
            body = {"status": "unavailable", "database": type(exc).__name__}
            return JSONResponse(body, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok"})

    return app
