"""Analysts publish, shadow and ship rule-set versions from the console."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from marketguard.app import create_app
from marketguard.cli import app
from marketguard.config import get_settings
from marketguard.errors import InvalidInput
from marketguard.risk.service import reset_engines
from tests.conftest import TEST_SECRET, make_settings
from tests.factories import auth, token
from tests.risk.helpers import event
from tests.risk.test_api import RULES, STRICTER


@pytest.fixture
def console(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[CliRunner]:
    """Run commands in process against this test's SQLite database."""
    monkeypatch.setenv("MARKETGUARD_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("MARKETGUARD_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("MARKETGUARD_AUDIT_CHECKPOINT_PATH", str(tmp_path / "audit-head.json"))
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    reset_engines()
    yield CliRunner()
    get_settings.cache_clear()


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_when_an_analyst_shadows_then_ships_a_version_then_the_api_follows(
    console: CliRunner, sqlite_url: str, tmp_path: Path
) -> None:
    settings = make_settings(sqlite_url, tmp_path)
    published = console.invoke(app, ["risk", "publish", "--rules", str(_write(
        tmp_path, "v1.yaml", RULES)), "--as", "active"])  # fmt: skip
    assert published.exit_code == 0, published.output
    first = published.stdout.split()[0]
    shadowed = console.invoke(app, ["risk", "publish", "--rules", str(_write(
        tmp_path, "v2.yaml", STRICTER)), "--as", "shadow"])  # fmt: skip
    second = shadowed.stdout.split()[0]
    assert shadowed.stdout.split()[1] == "shadow"
    with TestClient(create_app(settings)) as api:
        headers = auth(token(settings, "integration"))
        answer = api.post("/api/v1/risk/decisions", json=event("1"), headers=headers).json()
        assert answer["rules_version"] == first
    listing = console.invoke(app, ["risk", "versions"])
    assert "Shadow report" in listing.stdout and first in listing.stdout
    assert " 1 " in listing.stdout.split("Shadow report")[1]  # one event, one disagreement
    shipped = console.invoke(app, ["risk", "publish", "--rules", str(tmp_path / "v2.yaml"),
                                   "--as", "active", "--reason", "shadowed a week"])  # fmt: skip
    assert shipped.stdout.split() == [second, "active"]
    with TestClient(create_app(settings)) as api:
        answer = api.post("/api/v1/risk/decisions", json=event("2"), headers=headers).json()
        assert answer["rules_version"] == second


def test_when_a_published_file_is_bad_then_every_problem_is_printed_and_nothing_stored(
    console: CliRunner, tmp_path: Path
) -> None:
    bad = _write(tmp_path, "bad.yaml", RULES.replace("score: 40", "score: 400"))
    refused = console.invoke(app, ["risk", "publish", "--rules", str(bad), "--as", "active"])
    assert refused.exit_code == 1 and "score" in refused.stdout, refused.output
    missing = console.invoke(app, ["risk", "publish", "--rules", str(tmp_path / "nope.yaml")])
    assert isinstance(missing.exception, InvalidInput) and "cannot read" in str(missing.exception)
    wrong = console.invoke(app, ["risk", "publish", "--rules", str(bad), "--as", "live"])
    assert isinstance(wrong.exception, InvalidInput) and "--as must be" in str(wrong.exception)
    listing = console.invoke(app, ["risk", "versions"])
    assert listing.exit_code == 0 and "bad.yaml" not in listing.stdout
