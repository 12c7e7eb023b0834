"""Walk the audit chain, prove it continues from the signed head, name the first problem.

Kinds of tampering told apart, each reported with a record id and its seq:

* **edited** — a record's MAC no longer matches its content, and its successor
  still points at it;
* **inserted** — a record whose MAC is wrong and whose successor points past it
  (or a record beyond the signed head with a wrong MAC);
* **deleted** — a record's predecessor id names a record that is gone;
* **reordered** — a record's predecessor exists but is not the record before it;
* **gap** — the links are intact but the numbering skips seqs (the ``audit_head``
  row was moved forward);
* **truncated** — the log ends before the signed head's seq: the newest records
  were deleted;
* **rewritten** — the record at the signed head's seq is not the one it names: the
  log was cut back and grown again;
* **head-row** — the ``audit_head`` row (where the next record will chain from)
  does not name the newest record;
* **unsigned** / **head** — there is no usable signed head (missing, corrupt,
  forged, or signed with another key), so truncation cannot be ruled out.

The walk proves every record chains from its predecessor from the genesis on, and
that the numbering is 1, 2, 3, ... without gaps; the signed head then pins the record
at its seq. Together: the checkpointed record is in the chain where it was signed,
and every later record chains from it.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from marketguard.audit.chain import record_mac
from marketguard.audit.checkpoint import Checkpoint, CheckpointError, FileCheckpointStore
from marketguard.audit.models import GENESIS, AuditHead, AuditRecord


@dataclass(frozen=True)
class Finding:
    """The first problem found, or ``kind == 'ok'``."""

    kind: str  # ok | edited | inserted | deleted | reordered | gap | truncated | rewritten
    #            | head-row | unsigned | head
    record_id: str | None
    message: str
    records: int

    @property
    def ok(self) -> bool:
        return self.kind == "ok"


_FIELDS = (
    "id",
    "at",
    "actor",
    "action",
    "object_type",
    "object_id",
    "reason",
    "before_digest",
    "after_digest",
    "prev_id",
    "prev_hash",
)


def mac_ok(key: bytes, entry: AuditRecord) -> bool:
    """Return whether a record's MAC matches its content and predecessor."""
    fields = {name: getattr(entry, name) for name in _FIELDS}
    return hmac.compare_digest(record_mac(key, fields), entry.hash)


def verify_log(session: Session, key: bytes, store: FileCheckpointStore) -> Finding:
    """Verify the log against the head file, turning an unusable head into a finding."""
    try:
        head = store.read()  # read before the records: the head never runs ahead of them
    except CheckpointError as exc:
        return Finding("head", None, exc.detail, 0)
    return verify_chain(session, key, head)


def _snapshot(session: Session) -> tuple[list[AuditRecord], Checkpoint | None]:
    """Read every record and the ``audit_head`` row in one statement (one snapshot).

    Separate queries could see a record committed between them and report the head
    row as moved while writers are busy.
    """
    rows = session.execute(
        select(AuditHead.seq, AuditHead.record_id, AuditHead.hash, AuditRecord)
        .select_from(AuditHead)
        .outerjoin(AuditRecord, true())
        .where(AuditHead.id == 1)
        .order_by(AuditRecord.seq)
    ).all()
    if not rows:
        entries = list(session.scalars(select(AuditRecord).order_by(AuditRecord.seq)))
        return entries, None
    seq, record_id, digest = rows[0][0], rows[0][1], rows[0][2]
    entries = [row[3] for row in rows if row[3] is not None]
    return entries, Checkpoint(int(seq), record_id, str(digest))


def verify_chain(session: Session, key: bytes, head: Checkpoint | None) -> Finding:
    """Verify every record in order against the key and the signed head."""
    entries, head_row = _snapshot(session)
    ids = {entry.id for entry in entries}
    count = len(entries)
    prev_id: str | None = None
    prev_hash = GENESIS
    prev_seq = 0
    for index, entry in enumerate(entries):
        following = entries[index + 1] if index + 1 < count else None
        if not mac_ok(key, entry):
            skipped = following is not None and following.prev_id == entry.prev_id
            beyond_head = head is not None and entry.seq > head.seq
            if skipped or (following is None and beyond_head):
                return Finding(
                    "inserted",
                    entry.id,
                    f"record {entry.id} (seq {entry.seq}) was inserted: it carries no valid "
                    "signature and the chain does not pass through it",
                    count,
                )
            return Finding(
                "edited",
                entry.id,
                f"record {entry.id} (seq {entry.seq}) was edited: its content no longer "
                "matches its signature",
                count,
            )
        if entry.prev_id != prev_id or entry.prev_hash != prev_hash:
            if entry.prev_id is not None and entry.prev_id not in ids:
                return Finding(
                    "deleted",
                    entry.prev_id,
                    f"record {entry.prev_id} was deleted: record {entry.id} "
                    f"(seq {entry.seq}) follows it but it is gone",
                    count,
                )
            return Finding(
                "reordered",
                entry.id,
                f"record {entry.id} (seq {entry.seq}) is out of order: it belongs after "
                f"{entry.prev_id or 'the start of the log'}, not after {prev_id or 'the start'}",
                count,
            )
        if entry.seq != prev_seq + 1:
            return Finding(
                "gap",
                entry.id,
                f"record {entry.id} is numbered seq {entry.seq} but follows seq {prev_seq}: "
                f"the numbering skips seq {prev_seq + 1} to {entry.seq - 1} (expected seq "
                f"{prev_seq + 1}, found seq {entry.seq}); the audit_head row was moved",
                count,
            )
        prev_id, prev_hash, prev_seq = entry.id, entry.hash, entry.seq
    return _check_head(entries, head, head_row, count)


def _check_head(
    entries: list[AuditRecord],
    head: Checkpoint | None,
    head_row: Checkpoint | None,
    count: int,
) -> Finding:
    """Pin the signed head in the (already walked, gap-free) chain, then the head row."""
    if head is None:
        return Finding(
            "unsigned",
            None,
            f"{count} records are consistent, but no signed head exists to rule out "
            "truncation (run `marketguard audit checkpoint --reset --reason ...`)",
            count,
        )
    last = Checkpoint(entries[-1].seq, entries[-1].id, entries[-1].hash) if entries else None
    if head.seq > 0:
        if last is None or last.seq < head.seq:
            ends = last.describe() if last else "seq 0 (it is empty)"
            return Finding(
                "truncated",
                head.record_id,
                f"the signed head is at {head.describe()} but the log ends at {ends}: the "
                f"records after seq {last.seq if last else 0} were deleted (expected record "
                f"{head.record_id} at seq {head.seq}, found none)",
                count,
            )
        found = entries[head.seq - 1]  # the walk proved seqs run 1, 2, 3, ...
        if (found.id, found.hash) != (head.record_id, head.hash):
            return Finding(
                "rewritten",
                found.id,
                f"the record at seq {head.seq} is {found.id} (hash {found.hash[:12]}…), but "
                f"the signed head names {head.record_id} (hash {head.hash[:12]}…): the log "
                f"was cut back and grown again at or before seq {head.seq}",
                count,
            )
    newest = last or Checkpoint(0, None, GENESIS)
    if head_row is None:
        return Finding(
            "head-row",
            None,
            f"the audit_head row is missing (expected it at {newest.describe()})",
            count,
        )
    if head_row != newest:
        return Finding(
            "head-row",
            head_row.record_id,
            f"the audit_head row points at {head_row.describe()} but the newest record is "
            f"{newest.describe()}: the row was moved, so the next record would not chain "
            "from the newest",
            count,
        )
    return Finding(
        "ok",
        None,
        f"{count} records verified; the chain continues from the signed head at seq {head.seq}",
        count,
    )
