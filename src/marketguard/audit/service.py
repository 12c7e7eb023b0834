"""Append to the audit chain and keep its signed head moving with it.

``record`` is called by every service that changes state, inside the caller's unit
of work, so the audit record commits or rolls back with the change it describes.

Why writes check the signed head: someone with write access to the database alone
can delete the newest records and point ``audit_head`` at the new last one. If the
next ordinary write then re-signed whatever head it produced, the signed head would
follow the attacker and verification would pass. So the first append of every unit
of work, already holding the ``audit_head`` lock, proves that the record it chains
from continues the signed head: usually the two are identical (one comparison, no
query); when other commits are not yet checkpointed it reads just those records and
checks their links and MACs. Anything else (the log ends before the signed head, or
a different record sits at its seq) refuses the write with ``ChainBroken``. After
the commit, the head file moves forward only if it still sits on one of the records
proved above (``FileCheckpointStore.advance``). A missing or corrupt head file
refuses writes too; only ``start_log`` (empty log) and ``reset_head`` (audited,
with a reason) create a head.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from marketguard.audit.chain import digest, record_mac
from marketguard.audit.checkpoint import (
    GENESIS_POINT,
    ChainBroken,
    Checkpoint,
    CheckpointError,
    FileCheckpointStore,
)
from marketguard.audit.models import GENESIS, AuditHead, AuditRecord
from marketguard.audit.verify import mac_ok
from marketguard.errors import ConfigurationError, InvalidInput
from marketguard.ids import new_id
from marketguard.timeutil import utcnow

_CONTEXT = "marketguard.audit"
_PENDING = "marketguard.audit.pending_head"
_log = logging.getLogger("marketguard.audit")


@dataclass(frozen=True)
class AuditContext:
    """What appending needs: the chain key and where the signed head goes."""

    key: bytes
    checkpoints: FileCheckpointStore


@dataclass
class _Pending:
    """The head this transaction will leave, and the records it is proved to follow."""

    proof: dict[int, str]
    head: Checkpoint | None = None
    reset: bool = False


@dataclass(frozen=True)
class HeadStatus:
    """Where the signed head stands after ``advance_head``."""

    head: Checkpoint
    moved: bool = False


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
    return _append(
        session,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        reason=reason,
        before=before,
        after=after,
        reset=False,
    )


def _append(
    session: Session,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    reason: str | None,
    before: Any,
    after: Any,
    reset: bool,
) -> AuditRecord:
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
    upto = Checkpoint(seq - 1, prev_id, prev_hash)
    pending = session.info.get(_PENDING)
    if reset:
        pending = _Pending(proof={}, reset=True)
    elif not isinstance(pending, _Pending) or pending.head != upto:
        # The first append of this transaction (a later one chains from our own last
        # record, which is ``pending.head``): prove the chain continues the signed head.
        base = context.checkpoints.read()
        pending = _Pending(proof=continuity(session, context.key, base, upto))
    session.info[_PENDING] = pending
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
    pending.head = Checkpoint(seq, entry.id, entry.hash)
    return entry


def continuity(session: Session, key: bytes, base: Checkpoint, upto: Checkpoint) -> dict[int, str]:
    """Prove that the chain up to ``upto`` continues the signed head ``base``.

    Return the MAC of every record from ``base`` to ``upto`` by seq (the proof
    ``FileCheckpointStore.advance`` checks against); raise ``ChainBroken`` naming
    the seq and what was expected there otherwise. Costs nothing when ``upto`` is
    ``base``, and reads only the records in between when it is not.
    """
    refuse = "; refusing to extend the log (run `marketguard audit verify`)"
    if upto.seq < base.seq:
        raise ChainBroken(
            f"the audit log ends at {upto.describe()} but the signed head is at "
            f"{base.describe()}: the records after seq {upto.seq} were deleted or the "
            f"audit_head row was moved back{refuse}"
        )
    if upto.seq == base.seq:
        if (upto.record_id, upto.hash) != (base.record_id, base.hash):
            raise ChainBroken(
                f"the audit_head row names {upto.describe()} but the signed head names "
                f"{base.describe()} at that seq{refuse}"
            )
        return {base.seq: base.hash}
    proof = {base.seq: base.hash}
    entries = session.scalars(
        select(AuditRecord)
        .where(AuditRecord.seq >= max(base.seq, 1), AuditRecord.seq <= upto.seq)
        .order_by(AuditRecord.seq)
    ).all()
    found = iter(entries)
    if base.seq > 0:
        first = next(found, None)
        if first is None or (first.seq, first.id, first.hash) != (
            base.seq,
            base.record_id,
            base.hash,
        ):
            at = "nothing" if first is None or first.seq != base.seq else f"record {first.id}"
            raise ChainBroken(
                f"the signed head is at {base.describe()} but the log holds {at} at seq "
                f"{base.seq}{refuse}"
            )
    prev = base
    for entry in found:
        if entry.seq != prev.seq + 1:
            raise ChainBroken(f"seq {prev.seq + 1} is missing from the audit log{refuse}")
        if (entry.prev_id, entry.prev_hash) != (prev.record_id, prev.hash) or not mac_ok(
            key, entry
        ):
            raise ChainBroken(
                f"record {entry.id} at seq {entry.seq} does not chain from "
                f"{prev.describe()}{refuse}"
            )
        prev = Checkpoint(entry.seq, entry.id, entry.hash)
        proof[prev.seq] = prev.hash
    if prev != upto:
        raise ChainBroken(
            f"the audit_head row names {upto.describe()} but the log continuing the signed "
            f"head reaches {prev.describe()}{refuse}"
        )
    return proof


def flush_checkpoint(session: Session) -> None:
    """Move the signed head after a commit that appended records."""
    pending = session.info.pop(_PENDING, None)
    context = session.info.get(_CONTEXT)
    if not isinstance(pending, _Pending) or pending.head is None:
        return
    if not isinstance(context, AuditContext):
        return
    if pending.reset:
        context.checkpoints.replace(pending.head)
        return
    try:
        context.checkpoints.advance(pending.head, proof=pending.proof)
    except CheckpointError as exc:
        # The records are committed; the head stays where it was, so verification
        # reports the problem, and the next write is refused until it is resolved.
        _log.error("the signed audit head was not moved: %s", exc.detail)


def discard_checkpoint(session: Session) -> None:
    """Forget the pending head after a rollback."""
    session.info.pop(_PENDING, None)


def count_records(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AuditRecord)) or 0)


def start_log(session: Session) -> Checkpoint:
    """Sign the head of a new, empty log; refuse if records or a head file exist."""
    context = context_of(session)
    count = count_records(session)
    if count:
        raise CheckpointError(
            f"the audit log already holds {count} records, so it cannot be started afresh: "
            "restore its signed head, or run `marketguard audit checkpoint --reset --reason ...`"
        )
    context.checkpoints.create(GENESIS_POINT)
    return GENESIS_POINT


def start_log_if_new(session: Session) -> Checkpoint | None:
    """Sign the head of a fresh install's empty log; do nothing if a head file exists."""
    if context_of(session).checkpoints.exists():
        return None
    return start_log(session)


def advance_head(session: Session) -> HeadStatus:
    """Move the signed head to the newest record, if the log continues from it."""
    context = context_of(session)
    base = context.checkpoints.read()
    last = session.scalars(select(AuditRecord).order_by(AuditRecord.seq.desc()).limit(1)).first()
    upto = Checkpoint(last.seq, last.id, last.hash) if last else GENESIS_POINT
    proof = continuity(session, context.key, base, upto)
    moved = context.checkpoints.advance(upto, proof=proof)
    return HeadStatus(upto if moved else context.checkpoints.read(), moved)


def reset_head(session: Session, *, actor: str, reason: str) -> AuditRecord:
    """Re-anchor the signed head on the log as it stands, recording why in the log.

    For an operator after a restore from backup, a lost head file or a key rotation:
    the reset is itself a record (action ``audit.head.reset``, with the reason and a
    digest of the head it replaced), and the new head names that record.
    """
    if not reason.strip():
        raise InvalidInput("a reset of the signed audit head needs a --reason")
    context = context_of(session)
    try:
        old = context.checkpoints.read()
        before: dict[str, Any] = {"seq": old.seq, "record_id": old.record_id, "hash": old.hash}
    except CheckpointError as exc:
        before = {"unusable": exc.detail}
    return _append(
        session,
        actor=actor,
        action="audit.head.reset",
        object_type="audit_head",
        object_id="1",
        reason=reason.strip(),
        before=before,
        after=None,
        reset=True,
    )


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
