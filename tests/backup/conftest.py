"""Backups of PostgreSQL need the stock client tools; SQLite needs nothing."""

from __future__ import annotations

import pytest

from tests.debian_tools import debian_tool


@pytest.fixture(autouse=True)
def _postgres_tools(request: pytest.FixtureRequest) -> None:
    """Make sure pg_dump, pg_restore and psql are there when a test runs on PostgreSQL."""
    if "database_url" in request.fixturenames and "postgres" in request.node.name:
        for binary in ("pg_dump", "pg_restore", "psql"):
            debian_tool(binary, "postgresql-client")
