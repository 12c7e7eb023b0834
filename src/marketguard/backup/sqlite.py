"""SQLite: copy a live database with the online backup API, and put a copy in place.

Why the backup API (``sqlite3.Connection.backup``) and not a file copy: a copy of
the file taken while the app writes can catch half a transaction, and misses what
is still in the write-ahead log. The backup API copies the database page by page
inside one read transaction, in one step, so the copy is one consistent moment;
in WAL mode (which marketguard uses) writers go on meanwhile. The copy is switched
to the rollback journal so the payload is one self-contained file.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from sqlalchemy import Connection, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from marketguard.backup.errors import BackupError

PAYLOAD_NAME = "database.sqlite"
_BUSY_MS = 10_000


def database_path(url: str) -> Path:
    """Return the file of a SQLite URL (an in-memory database cannot be backed up)."""
    name = make_url(url).database
    if not name or name == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored into")
    return Path(name)


def snapshot(source: Path, target: Path) -> str:
    """Copy the live database ``source`` into the new file ``target``; return the SQLite version."""
    if not source.is_file():
        raise BackupError(f"no SQLite database at {source}")
    try:
        with closing(sqlite3.connect(source, timeout=_BUSY_MS / 1000)) as src, closing(
            sqlite3.connect(target)
        ) as dst:
            src.execute(f"PRAGMA busy_timeout={_BUSY_MS}")
            src.backup(dst)  # pages=-1: the whole database in one step, one snapshot
            dst.execute("PRAGMA journal_mode=DELETE")
            dst.commit()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"cannot back up {source}: {exc}") from None
    return f"sqlite {sqlite3.sqlite_version}"


def integrity(path: Path) -> str | None:
    """Run SQLite's own integrity check; return its first complaint, or None."""
    try:
        with closing(sqlite3.connect(path)) as connection:
            rows = connection.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as exc:
        return str(exc)
    first = str(rows[0][0]) if rows else "no answer"
    return None if first == "ok" else first


def tables_in(path: Path) -> int | None:
    """Count the tables of an existing file; None if it is not a SQLite database."""
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
            row = connection.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%'"
            ).fetchone()
    except sqlite3.DatabaseError:
        return None
    return int(row[0])


@contextmanager
def connect(path: Path) -> Iterator[Connection]:
    """Open a short-lived SQLAlchemy connection to a file (no pooled handle outlives it)."""
    engine = create_engine(f"sqlite:///{path}", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def install(copy: Path, target: Path) -> None:
    """Put a checked copy at ``target`` in one rename, dropping the old file's WAL and SHM.

    A write-ahead log left next to the new file would be replayed into it, so the
    old database's ``-wal``, ``-shm`` and ``-journal`` files go first. The app must
    not be running on ``target`` meanwhile (docs/backup.md).
    """
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    with open(copy, "rb+") as f:
        os.fsync(f.fileno())
    os.replace(copy, target)
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
