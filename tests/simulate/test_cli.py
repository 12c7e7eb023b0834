"""``simulate`` on the command line: a summary table, and clear refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from marketguard.errors import InvalidInput
from marketguard.simulate.commands import register
from marketguard.simulate.service import simulate
from tests.simulate.helpers import small_config


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.command()
    def other() -> None:  # a second command keeps `simulate` a named subcommand
        """Nothing."""

    return app


def test_when_simulate_runs_then_files_appear_and_a_summary_is_printed(tmp_path: Path) -> None:
    out = tmp_path / "sim"
    result = CliRunner().invoke(
        _app(),
        [
            "simulate",
            "--seed",
            "3",
            "--out",
            str(out),
            "--sellers",
            "10",
            "--listings",
            "20",
            "--events",
            "400",
            "--days",
            "7",
            "--start",
            "2026-11-01",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "counterfeit listings" in result.output
    assert (out / "manifest.json").is_file() and (out / "events.jsonl").is_file()
    assert b'"start": "2026-11-01T00:00:00Z"' in (out / "manifest.json").read_bytes()


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--sellers", "-5", "sellers must not be negative"),
        ("--listings", "-1", "listings must not be negative"),
        ("--events", "-100", "events must not be negative"),
        ("--days", "0", "days must be between 1"),
        ("--sellers", "3", "sellers must be at least 10"),
        ("--start", "yesterday", "start must be a date"),
        ("--events", "999999999", "events must be at most"),
    ],
)
def test_when_a_size_is_bad_then_clear_error_and_nothing_written(
    tmp_path: Path, flag: str, value: str, message: str
) -> None:
    out = tmp_path / "sim"
    result = CliRunner().invoke(_app(), ["simulate", "--out", str(out), flag, value])
    assert isinstance(result.exception, InvalidInput)
    assert message in str(result.exception)
    assert list(tmp_path.iterdir()) == []


def test_when_out_is_a_file_then_refused(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.write_text("mine")
    with pytest.raises(InvalidInput, match="existing file"):
        simulate(small_config(target))
    assert target.read_text() == "mine"


def test_when_out_is_someone_elses_folder_then_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("keep me")
    with pytest.raises(InvalidInput, match="not empty"):
        simulate(small_config(tmp_path))
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
