"""The one-file format: a tar archive holding ``manifest.json`` and then the payload.

Why tar: it is a stream (the manifest is read before a byte of the payload, and
the payload is hashed while it is copied out, never loaded whole), every system
can list it (``tar tvf``), and it holds the payload byte for byte. The archive
holds exactly two members, in this order; anything else is refused. Whatever is
wrong with the file is found before the target database is touched.

A backup is never left half-written: it is built under a temporary name in the
folder it goes to, flushed to disk, then linked to its final name (which fails,
rather than overwrite, if a file of that name appeared meanwhile).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from marketguard.backup import encryption, manifest
from marketguard.backup.errors import BackupDamaged, BackupError

MANIFEST_NAME = "manifest.json"
PAYLOAD_DIR = "payload/"
_MAX_MANIFEST = 1 << 20  # a manifest is a few KiB; more is not ours
_CHUNK = 1 << 20


@dataclass(frozen=True)
class OpenedBackup:
    """A backup whose manifest is signed by this installation and whose payload matches it."""

    manifest: manifest.Manifest
    payload: Path  # a private copy, in the caller's scratch folder
    encrypted: bool


@contextmanager
def scratch_folder(near: Path | None = None) -> Iterator[Path]:
    """Yield a private (0700) folder that is removed with everything in it afterwards.

    Backups pass through it in plain text, so it is the caller's choice where (next
    to the output, on the same file system, so the final rename is atomic).
    """
    folder = Path(tempfile.mkdtemp(prefix=".marketguard-backup-", dir=near))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def file_digest(path: Path) -> str:
    """Return the SHA-256 of a file, read in chunks."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def write(target: Path, signed_manifest: bytes, payload: Path, payload_name: str,
          mtime: float) -> None:
    """Write the archive: the signed manifest, then the payload, both mode 0600."""
    with tarfile.open(target, "w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo(MANIFEST_NAME)
        info.size, info.mtime, info.mode = len(signed_manifest), mtime, 0o600
        tar.addfile(info, BytesIO(signed_manifest))
        info = tarfile.TarInfo(PAYLOAD_DIR + payload_name)
        info.size, info.mtime, info.mode = payload.stat().st_size, mtime, 0o600
        with open(payload, "rb") as f:
            tar.addfile(info, f)


def publish(built: Path, out: Path) -> None:
    """Give a finished file its final name, durably, never replacing an existing file."""
    with open(built, "rb+") as f:
        os.fsync(f.fileno())
    os.chmod(built, 0o600)
    try:
        os.link(built, out)
    except FileExistsError:
        raise BackupError(f"{out} already exists: choose another name or remove it") from None
    except OSError:  # a file system without hard links: check, then rename
        if out.exists():
            raise BackupError(f"{out} already exists: choose another name or remove it") from None
        os.rename(built, out)
    else:
        os.unlink(built)
    directory = os.open(out.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def open_backup(path: Path, *, key: bytes, identity: Path | None, scratch: Path) -> OpenedBackup:
    """Decrypt if needed, check the manifest's signature and copy out the payload, checked."""
    if not path.is_file():
        raise BackupError(f"backup file not found: {path}")
    encrypted = encryption.is_encrypted(path)
    archive = path
    if encrypted:
        if identity is None:
            raise BackupError(
                f"{path} is encrypted with age: pass --identity with the key file of a "
                "recipient it was encrypted to"
            )
        identities = encryption.load_identities(identity)
        archive = scratch / "backup.tar"
        encryption.decrypt(path, archive, identities)
    elif identity is not None:
        raise BackupError(f"{path} is not encrypted, so --identity is not needed")
    raw, copied = _extract(archive, path, scratch)
    checked = manifest.check(raw, key)
    if copied.name != checked.payload.name:
        raise BackupDamaged(
            f"{path}: the payload is named {copied.name!r} but the manifest names "
            f"{checked.payload.name!r}"
        )
    size = copied.stat().st_size
    if size != checked.payload.size:
        raise BackupDamaged(
            f"{path}: the payload holds {size} bytes but the manifest says "
            f"{checked.payload.size}: it was cut short or changed"
        )
    found = file_digest(copied)
    if found != checked.payload.sha256:
        raise BackupDamaged(
            f"{path}: the payload's SHA-256 is {found[:16]}… but the manifest says "
            f"{checked.payload.sha256[:16]}…: the payload was changed"
        )
    if archive != path:
        archive.unlink()
    return OpenedBackup(checked, copied, encrypted)


def _extract(archive: Path, shown: Path, scratch: Path) -> tuple[bytes, Path]:
    """Read the two members in order; return the manifest bytes and the payload's copy."""
    try:
        with open(archive, "rb") as f, tarfile.open(fileobj=f, mode="r|") as tar:
            first = tar.next()
            if first is None or first.name != MANIFEST_NAME or not first.isfile():
                raise BackupError(
                    f"{shown} is not a marketguard backup (it does not start with "
                    f"{MANIFEST_NAME})"
                )
            if first.size > _MAX_MANIFEST:
                raise BackupDamaged(f"{shown}: the manifest is {first.size} bytes, too large")
            raw = _read_all(tar, first)
            second = tar.next()
            if second is None:
                raise BackupDamaged(f"{shown} ends after its manifest: the payload is missing")
            name = second.name.removeprefix(PAYLOAD_DIR)
            if not second.name.startswith(PAYLOAD_DIR) or not second.isfile() or "/" in name:
                raise BackupDamaged(f"{shown}: unexpected member {second.name!r} in the archive")
            copied = scratch / name
            member = tar.extractfile(second)
            assert member is not None  # a regular file
            with open(copied, "wb") as out:
                shutil.copyfileobj(member, out, _CHUNK)
            if tar.next() is not None:
                raise BackupDamaged(f"{shown} holds more than a manifest and a payload")
    except tarfile.ReadError as exc:
        raise _read_error(shown, archive, exc) from None
    except (tarfile.TarError, EOFError) as exc:
        raise BackupDamaged(f"{shown} is damaged: {exc}") from None
    return raw, copied


def _read_all(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    handle = tar.extractfile(member)
    assert handle is not None
    data = handle.read()
    if len(data) != member.size:
        raise BackupDamaged("the backup's manifest is cut short")
    return data


def _read_error(shown: Path, archive: Path, exc: tarfile.ReadError) -> BackupError:
    """A file that never was a tar is 'not a backup'; a tar that breaks off is 'damaged'."""
    with open(archive, "rb") as f:
        header = f.read(512)
    if len(header) == 512 and header[257:262] == b"ustar":
        return BackupDamaged(f"{shown} is damaged or cut short ({exc})")
    return BackupError(f"{shown} is not a marketguard backup (neither a backup archive nor "
                       "age-encrypted)")
