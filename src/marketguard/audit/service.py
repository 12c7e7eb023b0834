"""Append to and verify the audit chain.

``record`` is called by every service that changes state, inside the caller's unit
of work, so the audit record commits or rolls back with the change it describes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from marketguard.audit.chain import digest, record_mac
from marketguard.audit.checkpoint import Checkpoint, FileCheckpointStore
from marketguard.audit.models import GENESIS, AuditHead, AuditRecord
from marketguard.errors import ConfigurationError
from marketguard.ids import new_id
from marketguard.timeutil import utcnow

_CONTEXT = "marketguard.audit"
_PENDING = "marketguard.audit.pending_head"


@dataclass(frozen=True)
class AuditContext:
    """What appending needs: the chain key and where the signed head goes."""

    key: bytes
    checkpoints: FileCheckpointStore


def bind(session: Session, context: AuditContext) -> None:
    """Attach the audit context to a session so services can append records."""
    session.info[_CONTEXT] = context


def context_of(session: Session) -> AuditContext:
    context = session.info.get(_CONTEXT)
    if context is None:
        raise ConfigurationError(
            "this session has no audit context: open it with marketguard.uow.unit_of_work"
        )
    assert isinstance(context, AuditContext)
    return context


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    reason: str | None = None,
    before: Any = None,
    after: Any = None,
) -> AuditRecord:
    """Append one record for a state change (who, what, when, why, before/after)."""
    context = context_of(session)
    # Bumping the head first takes the row lock (PostgreSQL) or the write lock
    # (SQLite) before anything is read, so concurrent appenders queue here.
    row = session.execute(
        text("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, record_id, hash")
    ).one_or_none()
    if row is None:
        session.add(AuditHead(id=1, seq=1, record_id=None, hash=GENESIS))
        session.flush()
        seq, prev_id, prev_hash = 1, None, GENESIS
    else:
        seq, prev_id, prev_hash = int(row[0]), row[1], str(row[2])
    fields: dict[str, Any] = {
        "id": new_id(),
        "at": utcnow(),
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "reason": reason,
        "before_digest": digest(before),
        "after_digest": digest(after),
        "prev_id": prev_id,
        "prev_hash": prev_hash,
    }
    entry = AuditRecord(seq=seq, hash=record_mac(context.key, fields), **fields)
    session.add(entry)
    session.execute(
        text("UPDATE audit_head SET record_id = :rid, hash = :h WHERE id = 1"),
        {"rid": entry.id, "h": entry.hash},
    )
    session.info[_PENDING] = Checkpoint(seq, entry.id, entry.hash)
    return entry


def flush_checkpoint(session: Session) -> None:
    """Write the signed head after a commit that appended records."""
    point = session.info.pop(_PENDING, None)
    context = session.info.get(_CONTEXT)
    if point is not None and isinstance(context, AuditContext):
        context.checkpoints.advance(point)


def discard_checkpoint(session: Session) -> None:
    """Forget the pending head after a rollback."""
    session.info.pop(_PENDING, None)


def checkpoint_now(session: Session) -> Checkpoint | None:
    """Sign the head as it stands in the database (after a restore, or at install)."""
    context = context_of(session)
    last = session.scalars(select(AuditRecord).order_by(AuditRecord.seq.desc()).limit(1)).first()
    if last is None:
        return None
    point = Checkpoint(last.seq, last.id, last.hash)
    context.checkpoints.advance(point)
    return point


def list_records(
    session: Session,
    *,
    after_seq: int = 0,
    limit: int = 100,
    object_id: str | None = None,
    newest: bool = False,
) -> Sequence[AuditRecord]:
    """Return records in chain order (or the newest ``limit``, still in chain order)."""
    stmt = select(AuditRecord).where(AuditRecord.seq > after_seq)
    if object_id is not None:
        stmt = stmt.where(AuditRecord.object_id == object_id)
    if newest:
        rows = session.scalars(stmt.order_by(AuditRecord.seq.desc()).limit(limit)).all()
        return list(reversed(rows))
    return session.scalars(stmt.order_by(AuditRecord.seq).limit(limit)).all()
