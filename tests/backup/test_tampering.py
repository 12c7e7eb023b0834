"""A damaged, swapped or foreign backup is refused by verify and restore, and changes nothing."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest
from pydantic import SecretStr

from marketguard.backup.errors import BackupDamaged, BackupError
from marketguard.backup.postgres import user_tables
from marketguard.backup.service import restore_backup, verify_backup
from marketguard.config import Settings
from tests.backup.helpers import ACTOR, backup, fill, fresh_target, kind
from tests.backup.tampering import DAMAGE


def _refused_everywhere(settings: Settings, path: Path, folder: Path, expected: str,
                        error: type[BackupError] = BackupError) -> None:
    """verify and restore both refuse ``path`` with ``expected``; the target stays empty."""
    with pytest.raises(error, match=expected):
        verify_backup(settings, path=path, identity=None)
    with fresh_target(kind(settings.database_url), folder) as url:
        with pytest.raises(error, match=expected):
            restore_backup(settings, path=path, url=url, identity=None, force=False,
                           audit_head=folder / "target-head.json", actor=ACTOR)
        if url.startswith("sqlite"):
            assert not Path(url.split("///", 1)[1]).exists()
        else:
            assert user_tables(url) == 0
    assert not (folder / "target-head.json").exists()
    assert not list(folder.glob(".marketguard-backup-*"))  # no scratch copy left behind


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_when_a_backup_was_damaged_then_verify_and_restore_refuse_it(
    settings: Settings, tmp_path: Path, damage: str
) -> None:
    fill(settings, tmp_path)
    original = backup(settings, tmp_path / "b.mgb").path
    spoil, expected = DAMAGE[damage]
    damaged = tmp_path / "damaged.mgb"
    damaged.write_bytes(spoil(original.read_bytes()))
    _refused_everywhere(settings, damaged, tmp_path, expected, BackupDamaged)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"seller_id,phone\nS-1,+86 138\n", "is not a marketguard backup"),
        (b"", "is not a marketguard backup"),
    ],
)
def test_when_a_file_is_not_a_backup_then_it_is_refused(
    sqlite_url: str, tmp_path: Path, content: bytes, expected: str
) -> None:
    from tests.conftest import make_settings

    settings = make_settings(sqlite_url, tmp_path)
    path = tmp_path / "leak.csv"
    path.write_bytes(content)
    _refused_everywhere(settings, path, tmp_path, expected)


def test_when_a_tar_holds_something_else_then_it_is_not_taken_for_a_backup(
    sqlite_url: str, tmp_path: Path
) -> None:
    from tests.conftest import make_settings

    settings = make_settings(sqlite_url, tmp_path)
    (tmp_path / "notes.txt").write_text("hello")
    path = tmp_path / "other.tar"
    with tarfile.open(path, "w") as tar:
        tar.add(tmp_path / "notes.txt", arcname="notes.txt")
    _refused_everywhere(settings, path, tmp_path, "does not start with manifest.json")


def test_when_the_backup_comes_from_another_installation_then_it_says_so(
    settings: Settings, tmp_path: Path
) -> None:
    path = backup(settings, tmp_path / "b.mgb").path
    other = settings.model_copy(update={"secret_key": SecretStr("another-installation")})
    _refused_everywhere(other, path, tmp_path, "signed by another installation")


def test_when_the_target_is_another_kind_of_database_then_restore_refuses(
    settings: Settings, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    path = backup(settings, tmp_path / "b.mgb").path
    other = "postgresql" if kind(settings.database_url) == "sqlite" else "sqlite"
    if other == "postgresql":
        request.getfixturevalue("postgres_url")  # skips when PostgreSQL is not running
    with fresh_target(other, tmp_path) as url:
        name = "SQLite" if other == "postgresql" else "PostgreSQL"
        with pytest.raises(BackupError, match=f"is a backup of a {name} database"):
            restore_backup(settings, path=path, url=url, identity=None, force=False,
                           audit_head=tmp_path / "h.json", actor=ACTOR)
        if other == "postgresql":
            assert user_tables(url) == 0
        else:
            assert not Path(url.split("///", 1)[1]).exists()


def test_when_the_target_is_not_empty_then_restore_refuses_and_leaves_it_alone(
    settings: Settings, tmp_path: Path
) -> None:
    from tests.backup.helpers import rows

    fill(settings, tmp_path)
    path = backup(settings, tmp_path / "b.mgb").path
    before = rows(settings.database_url)
    with pytest.raises(BackupError, match="is not empty .* pass --force"):
        restore_backup(settings, path=path, url=settings.database_url, identity=None,
                       force=False, audit_head=None, actor=ACTOR)
    assert rows(settings.database_url) == before


def test_when_out_exists_or_its_folder_is_missing_then_create_writes_nothing(
    settings: Settings, tmp_path: Path
) -> None:
    existing = tmp_path / "b.mgb"
    existing.write_bytes(b"keep me")
    with pytest.raises(BackupError, match="already exists"):
        backup(settings, existing)
    assert existing.read_bytes() == b"keep me"
    with pytest.raises(BackupError, match="does not exist"):
        backup(settings, tmp_path / "nowhere" / "b.mgb")
    assert not list(tmp_path.glob(".marketguard-backup-*"))


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_when_pg_dump_is_missing_then_create_says_how_to_install_it(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from marketguard.backup.errors import ToolMissing

    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(ToolMissing, match="pg_dump is not on the PATH: install PostgreSQL's"):
        backup(settings, tmp_path / "b.mgb")
    assert not (tmp_path / "b.mgb").exists()
    assert not list(tmp_path.glob(".marketguard-backup-*"))


def test_when_the_newest_records_were_deleted_before_the_backup_then_verify_says_so(
    settings: Settings, tmp_path: Path
) -> None:
    from tests.audit.helpers import append, truncate

    append(settings, 4)
    truncate(settings, keep=2)  # an attacker deleted the newest records, then a backup ran
    created = backup(settings, tmp_path / "b.mgb")
    assert created.manifest.audit_check.kind == "broken"
    assert any("did not verify when the backup was taken" in w for w in created.warnings)
    verified = verify_backup(settings, path=created.path, identity=None)
    failed = [c for c in verified.checks if not c.ok]
    assert [c.name for c in failed] == ["audit at backup time"]
    assert "seq 4" in failed[0].detail  # names the signed head the copy falls short of
