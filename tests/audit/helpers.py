"""What the audit tests share: append records, tamper with the tables, run the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from click.testing import Result
from sqlalchemy import text
from typer.testing import CliRunner

from marketguard import db
from marketguard.audit import service as audit
from marketguard.config import Settings, get_settings
from marketguard.uow import unit_of_work


def append(settings: Settings, count: int, *, start: int = 0) -> list[str]:
    """Append ``count`` records, one ordinary unit of work each; return their ids."""
    ids = []
    for index in range(start, start + count):
        with unit_of_work(settings) as session:
            entry = audit.record(
                session,
                actor="cli:tester",
                action="test.change",
                object_type="thing",
                object_id=f"T-{index}",
                reason=f"change {index}",
                before={"v": index},
                after={"v": index + 1},
            )
            ids.append(entry.id)
    return ids


def sql(settings: Settings, statement: str, **params: object) -> None:
    """Run one statement with write access to the database only (the attacker's reach)."""
    with db.get_engine(settings.database_url).begin() as connection:
        connection.execute(text(statement), params)


def truncate(
    settings: Settings, *, keep: int, head_seq: int | None = None, repoint: bool = True
) -> None:
    """Delete every record after seq ``keep`` and point ``audit_head`` at the new last one.

    ``head_seq`` is what the attacker writes into the head row's seq (default: ``keep``,
    the honest-looking value); the record id and hash are always those of seq ``keep``.
    With ``repoint=False`` the head row is left naming the deleted newest record.
    """
    with db.get_engine(settings.database_url).begin() as connection:
        connection.execute(text("DELETE FROM audit_records WHERE seq > :k"), {"k": keep})
        if not repoint:
            return
        last = connection.execute(
            text("SELECT id, hash FROM audit_records WHERE seq = :k"), {"k": keep}
        ).one_or_none()
        record_id, digest = (last[0], last[1]) if last else (None, "0" * 64)
        connection.execute(
            text("UPDATE audit_head SET seq = :s, record_id = :r, hash = :h WHERE id = 1"),
            {"s": keep if head_seq is None else head_seq, "r": record_id, "h": digest},
        )


def try_append(settings: Settings, count: int, *, start: int = 1000) -> int:
    """Attempt ``count`` ordinary writes; return how many were accepted."""
    accepted = 0
    for index in range(count):
        try:
            append(settings, 1, start=start + index)
        except Exception:  # noqa: BLE001 - a refused write is one possible outcome
            continue
        accepted += 1
    return accepted


@contextmanager
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """Point the in-process CLI at this test's database and head file."""
    monkeypatch.setenv("MARKETGUARD_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("MARKETGUARD_SECRET_KEY", settings.secret_key.get_secret_value())
    monkeypatch.setenv("MARKETGUARD_AUDIT_CHECKPOINT_PATH", str(settings.checkpoint_path()))
    monkeypatch.setenv("MARKETGUARD_ENVIRONMENT", "test")
    monkeypatch.setenv("COLUMNS", "300")
    get_settings.cache_clear()
    try:
        yield CliRunner()
    finally:
        get_settings.cache_clear()


def assert_one_clear_line(result: Result, *expected: str) -> str:
    """The command failed with exit code 1 and one line of reason, no traceback."""
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    for fragment in expected:
        assert fragment in lines[0], lines[0]
    return lines[0]
