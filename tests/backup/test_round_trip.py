"""A backup restores to the same rows, and the restored database's audit log verifies."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from marketguard.audit import service as audit_service
from marketguard.backup.service import restore_backup, verify_backup
from marketguard.config import Settings
from marketguard.uow import unit_of_work
from tests.audit.helpers import append
from tests.backup.helpers import (
    ACTOR,
    audit_verifies,
    backup,
    fill,
    fresh_target,
    kind,
    rows,
    target_settings,
)
from tests.dataguard.helpers import PHONE


def _phone_of_first_seller(url: str) -> str:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return str(connection.scalar(text(
                "SELECT identifiers FROM sellers WHERE seller_id = 'S-0001'"
            )))
    finally:
        engine.dispose()


def test_when_a_filled_database_is_backed_up_then_it_restores_with_every_row_and_a_valid_log(
    settings: Settings, tmp_path: Path
) -> None:
    fill(settings, tmp_path)
    before = rows(settings.database_url)
    created = backup(settings, tmp_path / "nightly.mgb")
    assert created.warnings == []
    assert created.manifest.tables == before
    assert sum(1 for count in before.values() if count) >= 8  # many tables hold data

    verified = verify_backup(settings, path=created.path, identity=None)
    assert verified.ok, verified.checks
    assert [c.name for c in verified.checks][:4] == [
        "archive", "signature", "payload digest", "restore"
    ]

    with fresh_target(kind(settings.database_url), tmp_path) as url:
        head = tmp_path / "restored-head.json"
        restored = restore_backup(settings, path=created.path, url=url, identity=None,
                                  force=False, audit_head=head, actor=ACTOR)
        assert restored.warnings == []
        after = rows(url)
        moved = {"audit_records": 2}  # the reset and the restore record
        assert {t: n - moved.get(t, 0) for t, n in after.items()} == before
        assert PHONE in _phone_of_first_seller(url)
        target = target_settings(settings, url, head)
        finding = audit_verifies(target)
        assert finding.ok, finding.message
        append(target, 1)  # the restored installation goes on writing
        assert audit_verifies(target).ok


def test_when_the_backup_is_restored_over_a_newer_log_then_the_head_is_reset_with_a_reason(
    settings: Settings, tmp_path: Path
) -> None:
    fill(settings, tmp_path)
    created = backup(settings, tmp_path / "before.mgb")
    append(settings, 5)  # the log moves on; its signed head is now ahead of the backup
    kept = created.manifest.audit_head.seq

    restored = restore_backup(settings, path=created.path, url=settings.database_url,
                              identity=None, force=True, audit_head=None, actor=ACTOR)

    assert audit_verifies(settings).ok
    with unit_of_work(settings) as session:
        newest = audit_service.list_records(session, limit=3, newest=True)
    reset, restore = newest[-2], newest[-1]
    assert reset.seq == kept + 1 and restore.seq == restored.reset_seq
    assert reset.action == "audit.head.reset"
    assert created.manifest.backup_id in (reset.reason or "")
    assert f"ends at seq {kept}" in (reset.reason or "")
    assert (restore.action, restore.object_id) == ("backup.restore", created.manifest.backup_id)


def test_when_a_backup_is_made_then_the_live_log_records_who_made_it(
    settings: Settings, tmp_path: Path
) -> None:
    created = backup(settings, tmp_path / "b.mgb")
    with unit_of_work(settings) as session:
        records = audit_service.list_records(session, object_id=created.manifest.backup_id)
    assert [(r.action, r.actor) for r in records] == [("backup.create", ACTOR.actor)]
    assert audit_verifies(settings).ok
