"""Shared fixtures: a fresh database per test on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

import marketguard
from marketguard import db
from marketguard.audit import service as audit
from marketguard.config import Settings
from marketguard.dataguard import alerts
from marketguard.migrate import upgrade
from marketguard.models import Base
from marketguard.uow import unit_of_work
from tests.services import require

TEST_SECRET = "test-secret-not-for-production"

# Commands run as subprocesses (from a temporary working directory) import the code
# under test, not whichever copy is installed in the virtualenv.
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(Path(marketguard.__file__).resolve().parents[1])]
    + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throw-away PostgreSQL database for this test run, migrated to head."""
    admin_url = require("postgres")
    name = f"mg_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(
        admin_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/" + name
    upgrade(url)
    # Tables of a domain whose migration is not generated yet come from the models,
    # so a domain in progress is tested on PostgreSQL too (test_migrations still
    # compares migrations with the models on a database of its own).
    Base.metadata.create_all(db.get_engine(url))
    yield url
    db.dispose_engines()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _reset_postgres(url: str) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with db.get_engine(url).begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        connection.execute(
            text("INSERT INTO audit_head (id, seq, record_id, hash) VALUES (1, 0, NULL, :h)"),
            {"h": "0" * 64},
        )


def start_audit_log(url: str, tmp_path: Path) -> None:
    """Sign the head of a new database's empty audit log, as `marketguard db upgrade` does."""
    with unit_of_work(make_settings(url, tmp_path)) as session:
        audit.start_log_if_new(session)


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database at the newest schema, on each profile."""
    alerts.reset_evaluators()  # an evaluator's windows belong to the database it followed
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'marketguard.db'}"
        Base.metadata.create_all(db.get_engine(url))
        start_audit_log(url, tmp_path)
        yield url
        db.get_engine(url).dispose()
        return
    url = request.getfixturevalue("postgres_url")
    _reset_postgres(url)
    start_audit_log(url, tmp_path)
    yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    """A fresh SQLite database only (for tests about logic, not storage)."""
    url = f"sqlite:///{tmp_path / 'marketguard.db'}"
    Base.metadata.create_all(db.get_engine(url))
    start_audit_log(url, tmp_path)
    yield url
    db.get_engine(url).dispose()


def make_settings(url: str, tmp_path: Path) -> Settings:
    return Settings(
        environment="test",
        database_url=url,
        secret_key=SecretStr(TEST_SECRET),
        audit_checkpoint_path=tmp_path / "audit-head.json",
        data_dir=tmp_path,
    )


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, tmp_path)


@pytest.fixture
def session(settings: Settings) -> Iterator[Session]:
    """A unit of work that commits at the end of the test."""
    with unit_of_work(settings) as session:
        yield session


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    from marketguard.app import create_app

    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client
