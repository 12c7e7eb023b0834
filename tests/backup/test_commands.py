"""`marketguard backup ...` at the console: round trips, exit status, one clear line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from tests.backup.helpers import fresh_target
from tests.backup.tampering import flip_payload_byte
from tests.debian_tools import debian_tool


def run(folder: Path, *args: str, url: str | None = None,
        head: Path | None = None) -> subprocess.CompletedProcess[str]:  # fmt: skip
    env = {
        **os.environ,
        "MARKETGUARD_DATABASE_URL": url or f"sqlite:///{folder / 'live.db'}",
        "MARKETGUARD_SECRET_KEY": "backup-cli-secret",
        "COLUMNS": "200",
    }
    env.pop("MARKETGUARD_AUDIT_CHECKPOINT_PATH", None)
    if head is not None:
        env["MARKETGUARD_AUDIT_CHECKPOINT_PATH"] = str(head)
    return subprocess.run([sys.executable, "-m", "marketguard.cli", *args], capture_output=True,
                          text=True, env=env, cwd=folder, timeout=180)  # fmt: skip


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr + result.stdout
    return result.stdout


def _one_clear_line(result: subprocess.CompletedProcess[str], status: int, expected: str) -> None:
    assert result.returncode == status, result.stderr + result.stdout
    assert "Traceback" not in result.stderr + result.stdout
    assert expected in result.stderr, result.stderr


def test_when_sqlite_is_backed_up_verified_and_restored_then_the_restored_log_verifies(
    tmp_path: Path,
) -> None:
    _ok(run(tmp_path, "db", "upgrade"))
    _ok(run(tmp_path, "token", "create", "--name", "ops", "--role", "reviewer"))
    _ok(run(tmp_path, "backup", "create", "--out", "b.mgb"))

    report = orjson.loads(_ok(run(tmp_path, "backup", "verify", "b.mgb", "--json")))
    assert report["ok"] is True
    assert report["manifest"]["alembic_revision"]  # made by migrations: the revision is known
    assert {c["name"] for c in report["checks"]} >= {"row counts", "audit chain"}

    restored = f"sqlite:///{tmp_path / 'restored.db'}"
    _ok(run(tmp_path, "backup", "restore", "b.mgb", "--database-url", restored))
    assert "OK:" in _ok(run(tmp_path, "audit", "verify", url=restored))
    assert "ops" in _ok(run(tmp_path, "token", "list", url=restored))


def test_when_the_backup_is_damaged_then_verify_exits_1_and_restore_2_changing_nothing(
    tmp_path: Path,
) -> None:
    _ok(run(tmp_path, "db", "upgrade"))
    _ok(run(tmp_path, "backup", "create", "--out", "b.mgb"))
    damaged = tmp_path / "damaged.mgb"
    damaged.write_bytes(flip_payload_byte((tmp_path / "b.mgb").read_bytes()))

    _one_clear_line(run(tmp_path, "backup", "verify", "damaged.mgb"), 1, "DAMAGED:")
    target = tmp_path / "restored.db"
    result = run(tmp_path, "backup", "restore", "damaged.mgb", "--database-url",
                 f"sqlite:///{target}")  # fmt: skip
    _one_clear_line(result, 2, "the payload was changed")
    assert not target.exists()
    (tmp_path / "leak.csv").write_text("a,b\n1,2\n")
    _one_clear_line(run(tmp_path, "backup", "verify", "leak.csv"), 2,
                    "is not a marketguard backup")  # fmt: skip
    _one_clear_line(run(tmp_path, "backup", "create", "--out", "x.age", "--encrypt-to", "age1x"),
                    2, "not a valid age recipient")  # fmt: skip
    assert not (tmp_path / "x.age").exists()


def test_when_postgresql_is_backed_up_and_restored_then_the_restored_log_verifies(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    request.getfixturevalue("postgres_url")  # skips when PostgreSQL is not running
    for binary in ("pg_dump", "pg_restore", "psql"):
        debian_tool(binary, "postgresql-client")
    live_head, restored_head = tmp_path / "live-head.json", tmp_path / "restored-head.json"
    with fresh_target("postgresql", tmp_path) as live, fresh_target("postgresql", tmp_path) as new:
        _ok(run(tmp_path, "db", "upgrade", url=live, head=live_head))
        _ok(run(tmp_path, "token", "create", "--name", "ops", "--role", "auditor", url=live,
                head=live_head))  # fmt: skip
        _ok(run(tmp_path, "backup", "create", "--out", "pg.mgb", url=live, head=live_head))
        assert "OK: every check held" in _ok(
            run(tmp_path, "backup", "verify", "pg.mgb", url=live, head=live_head)
        )
        refused = run(tmp_path, "backup", "restore", "pg.mgb", "--database-url", new, url=live,
                      head=live_head)  # fmt: skip
        _one_clear_line(refused, 2, "pass --audit-head PATH")
        _ok(run(tmp_path, "backup", "restore", "pg.mgb", "--database-url", new, "--audit-head",
                str(restored_head), url=live, head=live_head))  # fmt: skip
        assert "OK:" in _ok(run(tmp_path, "audit", "verify", url=new, head=restored_head))
        assert "OK:" in _ok(run(tmp_path, "audit", "verify", url=live, head=live_head))
