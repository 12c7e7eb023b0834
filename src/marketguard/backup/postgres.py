"""PostgreSQL: dump with ``pg_dump`` inside a known snapshot, restore in one transaction.

Why the custom format (``pg_dump -Fc``): it is compressed, it is one file, and
``pg_restore`` turns it back into SQL for whatever server version restores it.
The plain format would be a larger file whose every statement runs as is.

Why an exported snapshot: the manifest's row counts and audit head must describe
exactly what the dump holds. One REPEATABLE READ transaction exports its snapshot
(``pg_export_snapshot()``), ``pg_dump --snapshot`` dumps that snapshot, and the
counts are read inside the same transaction, so writers can go on meanwhile.

Why ``pg_restore -f - | psql`` rather than ``pg_restore -d``: the restore runs in a
transaction opened here and committed only after ``pg_restore`` has produced the
whole script without error; a failure anywhere rolls it back, so the target is
either restored or untouched (with ``--force``, the emptying of its ``public``
schema happens in that same transaction).

The tools come from the PATH, run with ``--no-password``; a password in the
database URL is handed to them in ``PGPASSWORD``, never on the command line.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from marketguard.backup.errors import BackupError, ToolMissing

PAYLOAD_NAME = "database.pgdump"
_CHUNK = 1 << 20


def tool(name: str) -> str:
    """Return the path of a PostgreSQL client tool, or say how to install it."""
    found = shutil.which(name)
    if found is None:
        raise ToolMissing(
            f"{name} is not on the PATH: install PostgreSQL's client tools (Debian and "
            "Ubuntu: apt-get install postgresql-client), of the server's major version or newer"
        )
    return found


@dataclass(frozen=True)
class LibpqTarget:
    """How the client tools reach a database: a URI without password, and their environment."""

    uri: str
    env: dict[str, str]
    shown: str


def libpq(url: str) -> LibpqTarget:
    """Turn a SQLAlchemy PostgreSQL URL into what ``pg_dump``/``psql`` take."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return LibpqTarget(
        uri=plain.render_as_string(hide_password=False),
        env=env,
        shown=plain.render_as_string(hide_password=True),
    )


@contextmanager
def frozen_snapshot(url: str) -> Iterator[tuple[Connection, str]]:
    """Yield a connection in a REPEATABLE READ transaction and its exported snapshot id."""
    engine = create_engine(url, poolclass=NullPool, isolation_level="REPEATABLE READ")
    try:
        with engine.connect() as connection, connection.begin():
            snapshot = str(connection.scalar(text("SELECT pg_export_snapshot()")))
            yield connection, snapshot
    finally:
        engine.dispose()


def dump(url: str, target: Path, *, snapshot: str) -> str:
    """Dump the database as seen by ``snapshot`` into ``target``; return pg_dump's version."""
    pg_dump = tool("pg_dump")
    where = libpq(url)
    result = subprocess.run(
        [pg_dump, "--format=custom", "--no-password", f"--snapshot={snapshot}",
         f"--file={target}", f"--dbname={where.uri}"],
        env=where.env, capture_output=True, text=True,
    )  # fmt: skip
    if result.returncode != 0:
        raise BackupError(f"pg_dump could not dump {where.shown}: {_last_lines(result.stderr)}")
    version = subprocess.run([pg_dump, "--version"], capture_output=True, text=True)
    return version.stdout.strip() or "pg_dump"


def user_tables(url: str) -> int:
    """Count the tables outside PostgreSQL's own schemas (0: the database is empty)."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return int(
                connection.scalar(
                    text(
                        "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname NOT IN "
                        "('pg_catalog', 'information_schema')"
                    )
                )
                or 0
            )
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise BackupError(f"cannot use the database {libpq(url).shown}: {reason}") from None
    finally:
        engine.dispose()


def restore(url: str, payload: Path, *, empty_first: bool) -> None:
    """Restore a custom-format dump into ``url`` in one transaction (nothing on failure)."""
    pg_restore, psql = tool("pg_restore"), tool("psql")
    where = libpq(url)
    with tempfile.TemporaryFile() as psql_err, tempfile.TemporaryFile() as restore_err:
        reader = subprocess.Popen(
            [psql, "--no-psqlrc", "--quiet", "--no-password", "--set=ON_ERROR_STOP=1",
             f"--dbname={where.uri}"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=psql_err, env=where.env,
        )  # fmt: skip
        assert reader.stdin is not None
        writer = subprocess.Popen(
            [pg_restore, "--no-owner", "--no-privileges", "--file=-", str(payload)],
            stdout=subprocess.PIPE, stderr=restore_err,
        )  # fmt: skip
        assert writer.stdout is not None
        fed = _feed(reader.stdin, writer.stdout, empty_first=empty_first)
        produced = writer.wait()
        if fed:
            fed = _send(reader.stdin, b"COMMIT;\n" if produced == 0 else b"ROLLBACK;\n")
        # psql may have exited already (its exit status below says why): closing a pipe
        # nobody reads then raises, and there is nothing left to tell it.
        with contextlib.suppress(BrokenPipeError):
            reader.stdin.close()
        applied = reader.wait()
        if produced != 0:
            restore_err.seek(0)
            detail = _last_lines(restore_err.read().decode(errors="replace"))
            raise BackupError(f"pg_restore could not read the dump: {detail}")
        if applied != 0 or not fed:
            psql_err.seek(0)
            detail = _last_lines(psql_err.read().decode(errors="replace"))
            raise BackupError(f"the restore into {where.shown} failed and was rolled back: "
                              f"{detail}")


def _feed(stdin: IO[bytes], source: IO[bytes], *, empty_first: bool) -> bool:
    """Pipe the opening statements and the restore script into psql; False if psql quit."""
    opening = b"BEGIN;\n"
    if empty_first:
        opening += b"DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n"
    if not _send(stdin, opening):
        return False
    while True:
        chunk = source.read(_CHUNK)
        if not chunk:
            return True
        if not _send(stdin, chunk):
            return False


def _send(stdin: IO[bytes], data: bytes) -> bool:
    try:
        stdin.write(data)
        return True
    except BrokenPipeError:
        return False


@contextmanager
def scratch_database(server_url: str) -> Iterator[str]:
    """Create an empty database on the server of ``server_url``, yield its URL, drop it."""
    name = f"marketguard_verify_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except SQLAlchemyError as exc:
        admin.dispose()
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise BackupError(
            f"cannot create a scratch database on {libpq(server_url).shown} to restore the "
            f"backup into ({reason}): the database user needs the CREATEDB privilege"
        ) from None
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _last_lines(text_: str, count: int = 3) -> str:
    lines = [line.strip() for line in text_.strip().splitlines() if line.strip()]
    return " / ".join(lines[-count:]) or "no message"
