"""Reviewers and operators work notices from the console."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from marketguard.cli import app
from marketguard.config import get_settings
from tests.conftest import TEST_SECRET, make_settings
from tests.notices.helpers import make_world


@pytest.fixture
def console(sqlite_url: str, tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """Run commands in process against this test's SQLite database."""
    monkeypatch.setenv("MARKETGUARD_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("MARKETGUARD_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("MARKETGUARD_AUDIT_CHECKPOINT_PATH", str(tmp_path / "audit-head.json"))
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_when_an_operator_imports_decides_and_sweeps_from_the_console_then_it_works(
    console: CliRunner, sqlite_url: str, tmp_path: Path
) -> None:
    world = make_world(make_settings(sqlite_url, tmp_path), tmp_path)
    notices = tmp_path / "notices.csv"
    notices.write_text(
        "right_id,listing,explanation,notifier_name,notifier_email,good_faith\n"
        f"{world.ids['acme_right']},L-3,Counterfeit Summit packs with our mark,Ada,"
        "ada@acme.example,true\n")
    filed = console.invoke(app, ["notices", "import", str(notices), "--brand", "Acme Outdoor"])
    assert filed.exit_code == 0 and "filed 1 notices" in filed.stdout, filed.output
    queue = console.invoke(app, ["notices", "queue"])
    notice_id = next(w for w in queue.stdout.split() if w.startswith("ntc_"))
    decided = console.invoke(app, ["notices", "decide", notice_id, "--listing", "L-3",
                                   "--outcome", "takedown", "--reason", "Counterfeit logo"])
    assert "L-3: taken_down" in decided.stdout, decided.output
    strikes = console.invoke(app, ["enforcement", "strikes", "S-0002"])
    assert "1 active strikes (2 before closure)" in strikes.stdout
    assert "released 0" in console.invoke(app, ["notices", "sweep"]).stdout
    shown = console.invoke(app, ["notices", "show", notice_id])
    assert "seller_notified" in shown.stdout and "decided" in shown.stdout
    listed = console.invoke(app, ["enforcement", "statements", "--listing", "L-3"])
    assert "listing:remove" in listed.stdout


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("right_id,listing\nx,L-3\n", "missing column(s): explanation"),
        ("right_id,listing,explanation,notifier_name,notifier_email,good_faith\n"
         "x,L-3,Fake\rpacks,Ada,ada@acme.example,true\n", "line 2 line: 3 fields where"),
        ("right_id,listing,explanation,notifier_name,notifier_email,good_faith\n"
         'x,L-3,"Fake packs,Ada,ada@acme.example,true\n', "line 2 line: not valid CSV"),
    ],
    ids=["missing-column", "bare-cr", "unclosed-quote"],
)
def test_when_a_bulk_file_is_bad_then_one_clear_line(
    sqlite_url: str, tmp_path: Path, content: str, expected: str
) -> None:
    make_world(make_settings(sqlite_url, tmp_path), tmp_path)
    notices = tmp_path / "notices.csv"
    notices.write_bytes(content.encode())
    env = {**os.environ, "MARKETGUARD_DATABASE_URL": sqlite_url,
           "MARKETGUARD_SECRET_KEY": TEST_SECRET,
           "MARKETGUARD_AUDIT_CHECKPOINT_PATH": str(tmp_path / "audit-head.json")}
    result = subprocess.run(
        [sys.executable, "-m", "marketguard.cli", "notices", "import", str(notices), "--brand",
         "Acme Outdoor"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert expected in result.stderr, result.stderr
