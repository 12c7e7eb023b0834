"""The three operations: create a backup, verify it by restoring it, restore it.

They work on whole databases and files, not inside a request's unit of work: each
opens what it needs (a snapshot of the source, a scratch database, the target)
and records itself in the audit log in a unit of work of its own once the work
is done. Everything that can be wrong with a backup file is found before the
target database is touched.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, create_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from marketguard import __version__, db
from marketguard.audit import service as audit_service
from marketguard.audit.chain import chain_key
from marketguard.audit.checkpoint import (
    ChainBroken,
    Checkpoint,
    CheckpointError,
    FileCheckpointStore,
)
from marketguard.audit.verify import Finding
from marketguard.auth.roles import Principal
from marketguard.backup import archive, encryption, inventory, postgres, sqlite
from marketguard.backup.errors import BackupDamaged, BackupError
from marketguard.backup.inventory import Inventory
from marketguard.backup.manifest import (
    AuditCheckInfo,
    AuditHeadInfo,
    Kind,
    Manifest,
    PayloadInfo,
    manifest_key,
    sign,
)
from marketguard.backup.verify import Check, all_passed, compare
from marketguard.config import Settings
from marketguard.errors import MarketguardError
from marketguard.ids import new_id
from marketguard.migrate import alembic_config
from marketguard.timeutil import format_rfc3339, utcnow
from marketguard.uow import unit_of_work

_log = logging.getLogger("marketguard.backup")


@dataclass(frozen=True)
class Created:
    """A backup written to ``path``; ``warnings`` say what the operator should know."""

    path: Path
    manifest: Manifest
    size: int
    encrypted_to: list[str]
    warnings: list[str]


@dataclass(frozen=True)
class Verified:
    """What was checked of a backup, in order; ``ok`` only if every check held."""

    path: Path
    manifest: Manifest
    encrypted: bool
    checks: list[Check]

    @property
    def ok(self) -> bool:
        return all_passed(self.checks)


@dataclass(frozen=True)
class Restored:
    """A restore: where to, what it held, and the record that re-anchored the audit head."""

    url: str
    manifest: Manifest
    checks: list[Check]
    head_file: Path
    reset_seq: int
    warnings: list[str]


def kind_of(url: str) -> Kind:
    """Name the kind of database a SQLAlchemy URL points at."""
    return "sqlite" if url.startswith("sqlite:") else "postgresql"


def normalise_url(url: str) -> str:
    """Accept the URLs settings accept (sqlite:///…, postgresql://…), as settings store them."""
    try:
        return str(Settings._check_database_url(url))
    except ValueError as exc:
        raise BackupError(str(exc)) from None


def _shown(url: str) -> str:
    """A URL as it may be printed (no password)."""
    return url if kind_of(url) == "sqlite" else postgres.libpq(url).shown


def _keys(settings: Settings) -> tuple[bytes, bytes]:
    key = chain_key(settings.secret_key.get_secret_value())
    return key, manifest_key(key)


# --- create -------------------------------------------------------------------------


def create_backup(
    settings: Settings, *, out: Path, encrypt_to: list[str], actor: Principal
) -> Created:
    """Write a verified-consistent backup of the configured database to ``out``."""
    recipients = encryption.parse_recipients(encrypt_to)  # before anything is written
    if out.exists():
        raise BackupError(f"{out} already exists: choose another name or remove it")
    if not out.parent.is_dir():
        raise BackupError(f"the folder {out.parent} does not exist")
    chain, signing = _keys(settings)
    url = settings.database_url
    kind = kind_of(url)
    live_head, head_problem = _live_head(settings, chain)
    created_at = utcnow()
    warnings: list[str] = []
    with archive.scratch_folder(out.parent) as scratch:
        if kind == "sqlite":
            payload = scratch / sqlite.PAYLOAD_NAME
            tool = sqlite.snapshot(sqlite.database_path(url), payload)
            with sqlite.connect(payload) as connection:
                held = inventory.take(connection)
                _require_marketguard(held, url)
                finding = _chain_at_backup(connection, chain, live_head, head_problem,
                                           held.audit_head)
        else:
            payload = scratch / postgres.PAYLOAD_NAME
            with postgres.frozen_snapshot(url) as (connection, snapshot):
                held = inventory.take(connection)
                _require_marketguard(held, url)
                tool = postgres.dump(url, payload, snapshot=snapshot)
                finding = _chain_at_backup(connection, chain, live_head, head_problem,
                                           held.audit_head)
        if not finding.ok:
            warnings.append(
                f"the audit log did not verify when the backup was taken ({finding.kind}): "
                f"{finding.message}; `backup verify` will report it"
            )
        manifest = Manifest(
            backup_id=new_id("bkp"),
            created_at=created_at,
            database=kind,
            alembic_revision=held.revision,
            tables=held.tables,
            audit_head=AuditHeadInfo(
                seq=held.audit_head.seq,
                record_id=held.audit_head.record_id,
                hash=held.audit_head.hash,
            ),
            audit_check=AuditCheckInfo(kind=finding.kind, message=finding.message),
            payload=PayloadInfo(
                name=payload.name,
                format="sqlite3" if kind == "sqlite" else "pg_dump-custom",
                size=payload.stat().st_size,
                sha256=archive.file_digest(payload),
            ),
            made_with={"marketguard": __version__, "tool": tool},
        )
        built = scratch / "backup.tar"
        archive.write(built, sign(manifest, signing), payload, payload.name,
                      created_at.timestamp())  # fmt: skip
        payload.unlink()
        if recipients:
            encrypted = scratch / "backup.tar.age"
            encryption.encrypt(built, encrypted, recipients)
            built.unlink()
            built = encrypted
        size = built.stat().st_size
        archive.publish(built, out)
    problem = _record_creation(settings, actor, manifest, out, len(recipients))
    if problem:
        warnings.append(problem)
    return Created(out, manifest, size, [r.strip() for r in encrypt_to], warnings)


def _live_head(settings: Settings, chain: bytes) -> tuple[Checkpoint | None, str | None]:
    """Read the signed head before the snapshot (so the snapshot is at or past it)."""
    try:
        return FileCheckpointStore(settings.checkpoint_path(), chain).read(), None
    except CheckpointError as exc:
        return None, exc.detail


def _require_marketguard(held: Inventory, url: str) -> None:
    if inventory.AUDIT_TABLE not in held.tables:
        raise BackupError(
            f"the database {_shown(url)} holds no marketguard tables (no audit log): "
            "nothing to back up; is MARKETGUARD_DATABASE_URL right?"
        )


def _chain_at_backup(
    connection: Connection,
    chain: bytes,
    live_head: Checkpoint | None,
    head_problem: str | None,
    newest: Checkpoint,
) -> Finding:
    """Prove the snapshot's log continues from the installation's signed head.

    Only the records from the signed head to the newest are read (usually a few):
    the full walk of the chain is `backup verify`'s, on the restored copy. This is
    the one check a copy cannot make later, because only the live installation's
    head file shows whether the newest records were deleted before the backup.
    """
    if live_head is None:
        return Finding("head", None, head_problem or "no signed audit head", 0)
    try:
        with Session(bind=connection) as session:
            audit_service.continuity(session, chain, live_head, newest)
    except ChainBroken as exc:
        return Finding("broken", None, exc.detail.split("; refusing to extend")[0], 0)
    return Finding(
        "ok",
        None,
        f"the log continues from the signed head at seq {live_head.seq} to seq {newest.seq}",
        newest.seq,
    )


def _record_creation(
    settings: Settings, actor: Principal, manifest: Manifest, out: Path, recipients: int
) -> str | None:
    """Record the backup in the live audit log; a log refusing writes must not stop backups."""
    try:
        with unit_of_work(settings) as session:
            audit_service.record(
                session,
                actor=actor.actor,
                action="backup.create",
                object_type="backup",
                object_id=manifest.backup_id,
                reason=f"backup written to {out.name}"
                + (f", encrypted to {recipients} age recipient(s)" if recipients else ""),
                after={"payload_sha256": manifest.payload.sha256, "tables": manifest.tables,
                       "audit_head": manifest.audit_head.model_dump()},
            )  # fmt: skip
    except MarketguardError as exc:
        return f"the backup was written, but it could not be recorded in the audit log: {exc}"
    return None


# --- verify -------------------------------------------------------------------------


def verify_backup(settings: Settings, *, path: Path, identity: Path | None) -> Verified:
    """Open the backup, restore it into a scratch database, compare it with its manifest."""
    chain, signing = _keys(settings)
    with archive.scratch_folder() as scratch:
        opened = archive.open_backup(path, key=signing, identity=identity, scratch=scratch)
        manifest = opened.manifest
        checks = _archive_checks(opened)
        if manifest.database == "sqlite":
            checks += _check_sqlite_copy(opened.payload, manifest, chain)
        else:
            checks += _check_postgres_copy(settings, opened.payload, manifest, chain)
    return Verified(path, manifest, opened.encrypted, checks)


def _archive_checks(opened: archive.OpenedBackup) -> list[Check]:
    manifest = opened.manifest
    layer = "age-encrypted; decrypted with the given identity, " if opened.encrypted else ""
    return [
        Check("archive", True,
              f"{layer}manifest {manifest.format}, payload {manifest.payload.name}"),
        Check("signature", True, "the manifest is signed by this installation's key"),
        Check("payload digest", True,
              f"SHA-256 {manifest.payload.sha256[:16]}…, {manifest.payload.size} bytes"),
    ]  # fmt: skip


def _check_sqlite_copy(payload: Path, manifest: Manifest, chain: bytes) -> list[Check]:
    problem = sqlite.integrity(payload)
    if problem:
        return [Check("restore", False, f"SQLite's integrity check fails: {problem}")]
    checks = [Check("restore", True, "restored to a scratch SQLite file; integrity_check ok")]
    with sqlite.connect(payload) as connection:
        restored = inventory.take(connection)
        finding = inventory.check_chain(connection, chain, manifest.audit_head.point())
    return checks + compare(manifest, restored, finding)


def _check_postgres_copy(
    settings: Settings, payload: Path, manifest: Manifest, chain: bytes
) -> list[Check]:
    if kind_of(settings.database_url) != "postgresql":
        raise BackupError(
            "this is a backup of a PostgreSQL database: verifying it restores it into a "
            "scratch database on a PostgreSQL server, so set MARKETGUARD_DATABASE_URL to one "
            "(the scratch database is created next to it and dropped; the user needs CREATEDB)"
        )
    with postgres.scratch_database(settings.database_url) as url:
        try:
            postgres.restore(url, payload, empty_first=False)
        except BackupError as exc:
            return [Check("restore", False, exc.detail)]
        checks = [Check("restore", True, "restored into a scratch database (pg_restore | psql)")]
        restored, finding = _inspect(url, manifest.audit_head.point(), chain)
    return checks + compare(manifest, restored, finding)


def _inspect(url: str, head: Checkpoint, chain: bytes) -> tuple[Inventory, Finding]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return inventory.take(connection), inventory.check_chain(connection, chain, head)
    finally:
        engine.dispose()


# --- restore ------------------------------------------------------------------------


def restore_backup(
    settings: Settings,
    *,
    path: Path,
    url: str,
    identity: Path | None,
    force: bool,
    audit_head: Path | None,
    actor: Principal,
) -> Restored:
    """Restore a backup into ``url`` and re-anchor the signed audit head on it."""
    url = normalise_url(url)
    target_settings = _target_settings(settings, url, audit_head)
    kind = kind_of(url)
    chain, signing = _keys(settings)
    near = sqlite.database_path(url).absolute().parent if kind == "sqlite" else None
    if near is not None and not near.is_dir():
        raise BackupError(f"the folder {near} does not exist")
    with archive.scratch_folder(near) as scratch:
        opened = archive.open_backup(path, key=signing, identity=identity, scratch=scratch)
        manifest = opened.manifest
        _require_same_kind(manifest, kind, path, url)
        _require_known_revision(manifest)
        if kind == "sqlite":
            checks = _restore_sqlite(opened.payload, manifest, chain, url, force=force)
        else:
            checks = _restore_postgres(opened.payload, manifest, chain, url, force=force)
    warnings = [f"{c.name}: {c.detail}" for c in checks if not c.ok]
    seq = _reanchor(target_settings, actor, manifest, path)
    return Restored(url, manifest, checks, target_settings.checkpoint_path(), seq, warnings)


def _target_settings(settings: Settings, url: str, audit_head: Path | None) -> Settings:
    """The settings of the restored installation: its URL and where its signed head goes."""
    update: dict[str, object] = {"database_url": url}
    if audit_head is not None:
        update["audit_checkpoint_path"] = audit_head
    target = settings.model_copy(update=update)
    if audit_head is None and url != settings.database_url:
        mine = settings.checkpoint_path().absolute()
        if target.checkpoint_path().absolute() == mine:
            raise BackupError(
                f"the signed audit head {mine} belongs to the configured database, not to "
                f"the one being restored into: pass --audit-head PATH for the restored "
                f"database's head (or set MARKETGUARD_DATABASE_URL to the target)"
            )
    return target


def _require_same_kind(manifest: Manifest, kind: Kind, path: Path, url: str) -> None:
    if manifest.database != kind:
        names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
        raise BackupError(
            f"{path} is a backup of a {names[manifest.database]} database; it cannot be "
            f"restored into the {names[kind]} database {_shown(url)}: give --database-url "
            f"of a {names[manifest.database]} database"
        )


def _require_known_revision(manifest: Manifest) -> None:
    """Refuse a backup whose schema this version of marketguard does not know (a newer one)."""
    revision = manifest.alembic_revision
    if revision is None:
        return
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    if revision not in {s.revision for s in scripts.walk_revisions()}:
        raise BackupError(
            f"the backup's schema is at revision {revision!r}, which this version of "
            "marketguard does not know: restore it with the version that made it "
            f"({manifest.made_with.get('marketguard', 'unknown')})"
        )


def _restore_sqlite(
    payload: Path, manifest: Manifest, chain: bytes, url: str, *, force: bool
) -> list[Check]:
    target = sqlite.database_path(url)
    if target.exists() and target.stat().st_size > 0 and not force:
        tables = sqlite.tables_in(target)
        if tables is None:
            raise BackupError(f"{target} exists and is not a SQLite database; refusing to "
                              "replace it (pass --force to replace it)")  # fmt: skip
        if tables:
            raise BackupError(
                f"{target} is not empty ({tables} tables): restore into a new file, or pass "
                "--force to replace it (stop the app first)"
            )
    checks = _check_sqlite_copy(payload, manifest, chain)
    _refuse_failed(checks)
    db.get_engine(url).dispose()  # no pooled handle may outlive the file it points at
    sqlite.install(payload, target)
    return checks


def _restore_postgres(
    payload: Path, manifest: Manifest, chain: bytes, url: str, *, force: bool
) -> list[Check]:
    tables = postgres.user_tables(url)
    if tables and not force:
        raise BackupError(
            f"the database {_shown(url)} is not empty ({tables} tables): "
            "restore into a new database (createdb), or pass --force to replace its public "
            "schema (stop the app first)"
        )
    db.get_engine(url).dispose()
    postgres.restore(url, payload, empty_first=bool(tables))
    restored, finding = _inspect(url, manifest.audit_head.point(), chain)
    checks = compare(manifest, restored, finding)
    failed = [c for c in checks if not c.ok and c.name != "audit at backup time"]
    if failed:
        raise BackupError(
            f"the backup was restored into {_shown(url)} but does not match "
            f"its manifest ({failed[0].name}: {failed[0].detail}); do not use that database"
        )
    return checks


def _refuse_failed(checks: list[Check]) -> None:
    """Refuse a copy that fails a check (the state of the log at backup time only warns)."""
    for check in checks:
        if not check.ok and check.name != "audit at backup time":
            raise BackupDamaged(f"refusing to restore: {check.name}: {check.detail}")


def _reanchor(settings: Settings, actor: Principal, manifest: Manifest, path: Path) -> int:
    """Re-sign the audit head on the restored log, saying in the log why it moved.

    The restore took the log back to the backup's head, so a head file of the target
    (if one exists) is ahead of it, or names records that are gone: as it stands,
    every write would be refused. The reset record names the backup and the head it
    replaces (as a digest); a ``backup.restore`` record follows it, so
    ``audit log --object-id <backup id>`` shows the backup's creation and restores.
    """
    head = manifest.audit_head
    reason = (
        f"restored from backup {manifest.backup_id} ({path.name}) taken "
        f"{format_rfc3339(manifest.created_at)}, whose audit log ends at seq {head.seq}"
    )
    with unit_of_work(settings) as session:
        entry = audit_service.reset_head(session, actor=actor.actor, reason=reason)
        last = audit_service.record(
            session,
            actor=actor.actor,
            action="backup.restore",
            object_type="backup",
            object_id=manifest.backup_id,
            reason=f"restored from {path.name}",
            after={"payload_sha256": manifest.payload.sha256, "audit_head": head.model_dump()},
        )
        seq = last.seq
    _log.info("restored %s; audit head reset at seq %s", manifest.backup_id, entry.seq)
    return seq
