"""The FastAPI application factory: one app, every domain router under ``/api/v1``."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

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
from marketguard.dataguard.api import router as dataguard_router
from marketguard.dataguard.exports.api import router as exports_router
from marketguard.dataguard.exports.trace_api import router as trace_router
from marketguard.dataguard.retention.routes import router as privacy_router
from marketguard.detection.api import router as detection_router
from marketguard.enforcement.api import router as enforcement_router
from marketguard.incidents.api import router as incidents_router
from marketguard.notices.api import router as notices_router
from marketguard.reports.api import router as reports_router
from marketguard.risk.api import router as risk_router
from marketguard.risk.live import flush_live_rules
from marketguard.web import portal

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
    dataguard_router,
    trace_router,
    exports_router,
    incidents_router,
]


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    flush_live_rules(app.state)  # shadow counts gathered since the last refresh


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the API for these settings (default: from the environment)."""
    settings = settings or get_settings()
    app = FastAPI(
        lifespan=_lifespan,
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
    app.include_router(privacy_router)  # public, for people: outside the API prefix
    portal.install(app)  # pages for people (FORMATS §9), on the same services

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


def serve_app() -> FastAPI:
    """Build the API for a server process (``marketguard serve``).

    Why not plain :func:`create_app`: after start-up the process holds a few
    hundred thousand long-lived objects (modules, the OpenAPI models, compiled
    SQL), and Python's cyclic collector would rescan all of them every few
    hundred requests, pausing every answer for tens of milliseconds. Freezing
    them once after start-up takes them out of those scans; they are still
    freed by reference counting. Tests build apps with :func:`create_app` and
    freeze nothing.
    """
    app = create_app()
    gc.collect()
    gc.freeze()
    return app
