"""Only explicit operator commands create a signed head; a fresh install needs none."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from marketguard.audit import service as audit
from marketguard.audit.checkpoint import ChainBroken, CheckpointError
from marketguard.cli import app
from marketguard.config import Settings
from marketguard.errors import InvalidInput
from marketguard.uow import audit_context, unit_of_work
from tests.audit.helpers import append, cli_env, truncate
from tests.audit.test_truncation import _verify


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MARKETGUARD_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}",
           "MARKETGUARD_SECRET_KEY": "fresh-install-secret", "COLUMNS": "300"}  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "marketguard.cli", *args],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )  # fmt: skip


def test_when_a_fresh_database_is_upgraded_then_its_empty_log_gets_a_head_once(
    tmp_path: Path,
) -> None:
    first = _cli(tmp_path, "db", "upgrade")
    assert first.returncode == 0, first.stderr
    head = tmp_path / "fresh.db.audit-head.json"
    assert "signed the head of the new audit log" in first.stdout
    assert orjson.loads(head.read_bytes())["seq"] == 0
    written = head.read_bytes()
    again = _cli(tmp_path, "db", "upgrade")
    assert again.returncode == 0 and "signed the head" not in again.stdout
    assert head.read_bytes() == written
    assert _cli(tmp_path, "token", "create", "--name", "a", "--role", "reviewer").returncode == 0
    verified = _cli(tmp_path, "audit", "verify")
    assert verified.returncode == 0 and "OK: 1 records verified" in verified.stdout


def test_when_init_is_asked_on_a_log_with_records_then_it_is_refused_in_one_line(
    tmp_path: Path,
) -> None:
    assert _cli(tmp_path, "db", "upgrade").returncode == 0
    _cli(tmp_path, "token", "create", "--name", "a", "--role", "reviewer")
    (tmp_path / "fresh.db.audit-head.json").unlink()
    result = _cli(tmp_path, "audit", "checkpoint", "--init")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "already holds 1 records" in result.stderr
    assert not (tmp_path / "fresh.db.audit-head.json").exists()


def test_when_init_is_asked_with_a_head_file_present_then_it_is_refused(
    settings: Settings,
) -> None:
    path = settings.checkpoint_path()
    path.write_bytes(b"{}")
    with unit_of_work(settings) as session, pytest.raises(CheckpointError, match="already"):
        audit.start_log(session)
    assert path.read_bytes() == b"{}"


def test_when_init_is_asked_on_an_empty_log_without_a_head_then_it_signs_one(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.checkpoint_path().unlink()
    with cli_env(settings, monkeypatch) as runner:
        result = runner.invoke(app, ["audit", "checkpoint", "--init"])
        assert result.exit_code == 0, result.output
        append(settings, 2)
        verified = runner.invoke(app, ["audit", "verify"])
    assert verified.exit_code == 0 and "2 records verified" in verified.output


def test_when_the_log_was_truncated_then_plain_checkpoint_refuses_to_re_sign_it(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    append(settings, 5)
    truncate(settings, keep=3)
    before = settings.checkpoint_path().read_bytes()
    with cli_env(settings, monkeypatch) as runner:
        result = runner.invoke(app, ["audit", "checkpoint"])
    assert isinstance(result.exception, ChainBroken)
    assert "seq 5" in str(result.exception) and "seq 3" in str(result.exception)
    assert settings.checkpoint_path().read_bytes() == before


def test_when_an_operator_resets_with_a_reason_then_the_reset_is_in_the_log_and_it_verifies(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    append(settings, 5)
    truncate(settings, keep=3)  # as after restoring a backup taken at seq 3
    assert _verify(settings).kind == "truncated"
    with cli_env(settings, monkeypatch) as runner:
        refused = runner.invoke(app, ["audit", "checkpoint", "--reset"])
        assert isinstance(refused.exception, InvalidInput)
        result = runner.invoke(
            app, ["audit", "checkpoint", "--reset", "--reason", "restored the 02:00 backup"]
        )
        assert result.exit_code == 0, result.output
        assert "reset the signed head to seq 4" in result.output
    append(settings, 2, start=20)
    finding = _verify(settings)
    assert finding.ok and finding.records == 6, finding.message
    with unit_of_work(settings) as session:
        reset = audit.list_records(session, after_seq=3, limit=1)[0]
    assert (reset.action, reset.reason) == ("audit.head.reset", "restored the 02:00 backup")
    assert reset.actor == "platform_admin:cli (token cli)"


def test_when_the_head_file_lags_behind_committed_records_then_writes_and_checkpoint_catch_up(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A head left behind (a process stopped between commit and file write) is not fatal."""
    append(settings, 3)
    lagging = settings.checkpoint_path().read_bytes()
    append(settings, 2, start=3)
    settings.checkpoint_path().write_bytes(lagging)  # the signed head of seq 3, still valid
    assert _verify(settings).ok
    with cli_env(settings, monkeypatch) as runner:
        moved = runner.invoke(app, ["audit", "checkpoint"])
    assert moved.exit_code == 0 and "moved the signed head to seq 5" in moved.output
    settings.checkpoint_path().write_bytes(lagging)
    append(settings, 1, start=9)  # the writer reads seqs 3..5 to prove continuity
    assert audit_context(settings).checkpoints.read().seq == 6
    assert _verify(settings).ok
