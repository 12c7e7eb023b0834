"""An encrypted backup: the stock `age` tool decrypts it; marketguard needs the right identity."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from marketguard.backup.errors import BackupDamaged, BackupError
from marketguard.backup.service import restore_backup, verify_backup
from marketguard.config import Settings
from tests.backup.helpers import ACTOR, audit_verifies, backup, fill, target_settings
from tests.debian_tools import debian_tool


def _keypair(folder: Path, name: str) -> tuple[Path, str]:
    """A key file as `age-keygen` writes it, and its public recipient."""
    keygen = debian_tool("age-keygen", "age")
    key = folder / f"{name}.txt"
    subprocess.run([keygen, "-o", str(key)], check=True, capture_output=True)
    public = subprocess.run([keygen, "-y", str(key)], check=True, capture_output=True,
                            text=True).stdout.strip()  # fmt: skip
    return key, public


@pytest.fixture
def encrypted(sqlite_url: str, tmp_path: Path) -> tuple[Settings, Path, Path]:
    from tests.conftest import make_settings

    settings = make_settings(sqlite_url, tmp_path)
    fill(settings, tmp_path)
    key, public = _keypair(tmp_path, "ops")
    path = backup(settings, tmp_path / "b.mgb.age", [public]).path
    return settings, path, key


def test_when_encrypted_then_the_age_tool_decrypts_it_to_the_plain_backup(
    encrypted: tuple[Settings, Path, Path], tmp_path: Path
) -> None:
    settings, path, key = encrypted
    age = debian_tool("age", "age")
    assert path.read_bytes().startswith(b"age-encryption.org/v1\n")
    assert b"manifest" not in path.read_bytes()  # nothing readable, not even the manifest
    plain = tmp_path / "plain.mgb"
    subprocess.run([age, "-d", "-i", str(key), "-o", str(plain), str(path)], check=True)
    verified = verify_backup(settings, path=plain, identity=None)
    assert verified.ok and not verified.encrypted


def test_when_encrypted_then_verify_and_restore_take_the_identity(
    encrypted: tuple[Settings, Path, Path], tmp_path: Path
) -> None:
    settings, path, key = encrypted
    verified = verify_backup(settings, path=path, identity=key)
    assert verified.ok and verified.encrypted
    url = f"sqlite:///{tmp_path / 'restored.db'}"
    head = tmp_path / "restored-head.json"
    restore_backup(settings, path=path, url=url, identity=key, force=False, audit_head=head,
                   actor=ACTOR)  # fmt: skip
    assert audit_verifies(target_settings(settings, url, head)).ok


def test_when_the_identity_is_missing_or_wrong_then_nothing_is_restored(
    encrypted: tuple[Settings, Path, Path], tmp_path: Path
) -> None:
    settings, path, _ = encrypted
    stranger, _ = _keypair(tmp_path, "stranger")
    not_a_key = tmp_path / "notes.txt"
    not_a_key.write_text("# my key\nhunter2\n")
    target = tmp_path / "restored.db"
    for identity, expected in [
        (None, "is encrypted with age: pass --identity"),
        (stranger, "is not encrypted to the given identity"),
        (not_a_key, "line 2 is not an age identity"),
        (tmp_path / "missing.txt", "identity file not found"),
    ]:
        with pytest.raises(BackupError, match=expected):
            verify_backup(settings, path=path, identity=identity)
        with pytest.raises(BackupError, match=expected):
            restore_backup(settings, path=path, url=f"sqlite:///{target}", identity=identity,
                           force=False, audit_head=tmp_path / "h.json", actor=ACTOR)
        assert not target.exists()
        assert not list(tmp_path.glob(".marketguard-backup-*"))


def test_when_the_encrypted_file_is_changed_or_cut_then_it_is_damaged(
    encrypted: tuple[Settings, Path, Path], tmp_path: Path
) -> None:
    settings, path, key = encrypted
    data = path.read_bytes()
    middle = len(data) // 2
    for spoiled in (data[:middle] + bytes([data[middle] ^ 1]) + data[middle + 1:],
                    data[:middle]):  # fmt: skip
        damaged = tmp_path / "damaged.age"
        damaged.write_bytes(spoiled)
        with pytest.raises(BackupDamaged, match="cannot be decrypted"):
            verify_backup(settings, path=damaged, identity=key)


@pytest.mark.parametrize(
    ("recipient", "expected"),
    [
        ("age1qqqq", "not a valid age recipient"),
        ("ssh-ed25519 AAAAC3Nza", "is not an age recipient: expected a public key starting"),
        ("AGE-SECRET-KEY-1QQQQ", "is not an age recipient"),
        ("", "is not an age recipient"),
    ],
)
def test_when_the_recipient_is_malformed_then_no_file_is_written(
    sqlite_url: str, tmp_path: Path, recipient: str, expected: str
) -> None:
    from tests.conftest import make_settings

    settings = make_settings(sqlite_url, tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(BackupError, match=expected):
        backup(settings, tmp_path / "b.mgb.age", [recipient])
    assert sorted(p.name for p in tmp_path.iterdir()) == before
