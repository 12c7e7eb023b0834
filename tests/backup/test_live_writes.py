"""A backup taken while the app writes is one consistent moment, and writers are not stopped."""

from __future__ import annotations

import threading
from pathlib import Path

from marketguard.audit import service as audit_service
from marketguard.backup.service import verify_backup
from marketguard.config import Settings
from marketguard.uow import unit_of_work
from tests.backup.helpers import backup, fill, rows


def _keep_writing(settings: Settings, stop: threading.Event, done: list[int],
                  errors: list[BaseException]) -> None:  # fmt: skip
    """Append audit records, one unit of work each, the way every write of the app does."""
    n = 0
    while not stop.is_set():
        try:
            with unit_of_work(settings) as session:
                audit_service.record(session, actor="cli:writer", action="test.change",
                                     object_type="thing", object_id=f"T-{n}")  # fmt: skip
        except BaseException as exc:  # reported by the test
            errors.append(exc)
            return
        n += 1
        done.append(n)


def test_when_the_app_writes_during_a_backup_then_the_backup_is_consistent(
    settings: Settings, tmp_path: Path
) -> None:
    fill(settings, tmp_path)
    start = rows(settings.database_url)["audit_records"]
    stop, done, errors = threading.Event(), [], []
    writer = threading.Thread(target=_keep_writing, args=(settings, stop, done, errors))
    writer.start()
    try:
        while len(done) < 5:  # the writer is busy before the backup starts
            stop.wait(0.01)
            assert not errors, errors
        during = len(done)
        created = backup(settings, tmp_path / "live.mgb")
        after = len(done)
    finally:
        stop.set()
        writer.join(timeout=30)
    assert not errors, errors
    assert after > during  # writes went on meanwhile (and did not fail)
    taken = created.manifest.audit_head.seq
    assert start + during <= taken <= start + after + 1
    assert created.manifest.tables["audit_records"] == taken
    assert created.warnings == []
    verified = verify_backup(settings, path=created.path, identity=None)
    assert verified.ok, [c for c in verified.checks if not c.ok]
