"""A missing or corrupt signed head fails loudly: verification says why in one line,
and writes refuse to run rather than sign a new head over whatever the database says."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from marketguard import db
from marketguard.audit.chain import chain_key
from marketguard.audit.checkpoint import FileCheckpointStore
from marketguard.cli import app
from marketguard.config import Settings
from marketguard.errors import MarketguardError
from marketguard.uow import audit_context
from tests.audit.helpers import append, assert_one_clear_line, cli_env
from tests.factories import auth, token


def _edit(change: Callable[[dict[str, object]], None]) -> Callable[[Path], None]:
    def damage(path: Path) -> None:
        data = orjson.loads(path.read_bytes())
        change(data)
        path.write_bytes(orjson.dumps(data))

    return damage


def _signed_by_another_installation(path: Path) -> None:
    point = FileCheckpointStore(path, chain_key("test-secret-not-for-production")).read()
    FileCheckpointStore(path, chain_key("another-installation-secret")).replace(point)


DAMAGE: dict[str, tuple[Callable[[Path], None], str]] = {
    "missing": (lambda path: path.unlink(), "no signed audit head at"),
    "empty-file": (lambda path: path.write_bytes(b""), "is not valid JSON"),
    "not-json": (lambda path: path.write_bytes(b"\x00seq=3;"), "is not valid JSON"),
    "empty-object": (lambda path: path.write_bytes(b"{}"), "is missing"),
    "array": (lambda path: path.write_bytes(b"[3]"), "is not a JSON object"),
    "seq-is-text": (_edit(lambda d: d.update(seq="three")), "seq 'three'"),
    "seq-is-bool": (_edit(lambda d: d.update(seq=True)), "seq True"),
    "hash-is-number": (_edit(lambda d: d.update(hash=7)), "hash 7"),
    "unknown-format": (_edit(lambda d: d.update(format="v9")), "unknown format"),
    "bad-signature": (_edit(lambda d: d.update(seq=int(str(d["seq"])) + 1)), "bad signature"),
    "wrong-key": (_signed_by_another_installation, "different key"),
}


@pytest.mark.parametrize("damage", DAMAGE, ids=list(DAMAGE))
def test_when_the_head_file_is_damaged_then_verify_exits_1_with_one_clear_line(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    append(settings, 3)
    change, reason = DAMAGE[damage]
    change(settings.checkpoint_path())
    with cli_env(settings, monkeypatch) as runner:
        result = runner.invoke(app, ["audit", "verify"])
    line = assert_one_clear_line(result, reason)
    assert str(settings.checkpoint_path()) in line


@pytest.mark.parametrize("damage", DAMAGE, ids=list(DAMAGE))
def test_when_the_head_file_is_damaged_then_writes_are_refused_and_it_is_left_as_found(
    settings: Settings, damage: str
) -> None:
    append(settings, 3)
    path = settings.checkpoint_path()
    change, reason = DAMAGE[damage]
    change(path)
    found = path.read_bytes() if path.exists() else None
    with pytest.raises(MarketguardError, match=reason):
        append(settings, 1, start=10)
    assert (path.read_bytes() if path.exists() else None) == found
    with db.get_engine(settings.database_url).connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM audit_records")).scalar_one() == 3


def test_when_the_head_file_is_an_empty_object_then_the_installed_command_prints_one_line(
    settings: Settings,
) -> None:
    append(settings, 2)
    settings.checkpoint_path().write_bytes(b"{}")
    env = {
        **os.environ,
        "MARKETGUARD_DATABASE_URL": settings.database_url,
        "MARKETGUARD_SECRET_KEY": settings.secret_key.get_secret_value(),
        "MARKETGUARD_AUDIT_CHECKPOINT_PATH": str(settings.checkpoint_path()),
        "COLUMNS": "300",
    }
    result = subprocess.run(
        [sys.executable, "-m", "marketguard.cli", "audit", "verify"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stderr.count("\n") == 1 and "is missing" in result.stderr, result.stderr


def test_when_the_head_file_is_missing_then_the_api_reports_it_instead_of_failing(
    settings: Settings, client: TestClient
) -> None:
    headers = auth(token(settings, "auditor"))
    settings.checkpoint_path().unlink()
    answer = client.get("/api/v1/audit/verification", headers=headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["ok"] is False and body["kind"] == "head"
    assert "no signed audit head at" in body["message"]


def test_when_the_head_file_holds_a_first_format_head_then_it_is_still_accepted(
    settings: Settings,
) -> None:
    """Heads written before the format carried a version and key id keep working."""
    import hashlib
    import hmac

    append(settings, 2)
    path = settings.checkpoint_path()
    point = audit_context(settings).checkpoints.read()
    key = chain_key(settings.secret_key.get_secret_value())
    payload = orjson.dumps([point.seq, point.record_id, point.hash])
    signature = hmac.new(key, b"checkpoint:" + payload, hashlib.sha256).hexdigest()
    path.write_bytes(orjson.dumps({"seq": point.seq, "record_id": point.record_id,
                                   "hash": point.hash, "signature": signature}))  # fmt: skip
    assert audit_context(settings).checkpoints.read() == point
    append(settings, 1, start=5)
    upgraded = orjson.loads(path.read_bytes())
    assert upgraded["seq"] == 3 and upgraded["format"] == "marketguard-audit-head/2"
