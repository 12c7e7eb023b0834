"""Walk the audit chain and name the first record that was tampered with.

Four kinds of tampering are told apart, each reported with a record id:

* **edited** — a record's MAC no longer matches its content, and its successor
  still points at it;
* **inserted** — a record whose MAC is wrong and whose successor points past it
  (or a record beyond the signed head with a wrong MAC);
* **deleted** — a record's predecessor id names a record that is gone; a signed
  head naming a record that is gone means the newest records were truncated;
* **reordered** — a record's predecessor exists but is not the record before it.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketguard.audit.chain import record_mac
from marketguard.audit.checkpoint import Checkpoint
from marketguard.audit.models import GENESIS, AuditRecord


@dataclass(frozen=True)
class Finding:
    """The first problem found, or ``kind == 'ok'``."""

    kind: str  # ok | edited | inserted | deleted | reordered | truncated | unsigned
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


def _mac_ok(key: bytes, entry: AuditRecord) -> bool:
    fields = {name: getattr(entry, name) for name in _FIELDS}
    return hmac.compare_digest(record_mac(key, fields), entry.hash)


def verify_chain(session: Session, key: bytes, head: Checkpoint | None) -> Finding:
    """Verify every record in order against the key and the signed head."""
    entries = list(session.scalars(select(AuditRecord).order_by(AuditRecord.seq)))
    ids = {entry.id for entry in entries}
    count = len(entries)
    prev_id: str | None = None
    prev_hash = GENESIS
    for index, entry in enumerate(entries):
        following = entries[index + 1] if index + 1 < count else None
        if not _mac_ok(key, entry):
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
        prev_id, prev_hash = entry.id, entry.hash
    return _check_head(entries, ids, head, count)


def _check_head(
    entries: list[AuditRecord], ids: set[str], head: Checkpoint | None, count: int
) -> Finding:
    if head is None:
        if entries:
            return Finding(
                "unsigned",
                None,
                f"{count} records are consistent, but no signed head exists to rule out "
                "truncation (run `marketguard audit checkpoint`)",
                count,
            )
        return Finding("ok", None, "the audit log is empty", 0)
    by_id = {entry.id: entry for entry in entries}
    anchored = by_id.get(head.record_id)
    if anchored is None:
        last = entries[-1].id if entries else "the start of the log"
        return Finding(
            "truncated",
            head.record_id,
            f"record {head.record_id} (seq {head.seq}) named by the signed head was deleted: "
            f"the log was truncated after {last}",
            count,
        )
    if anchored.hash != head.hash or anchored.seq != head.seq:
        return Finding(
            "edited",
            anchored.id,
            f"record {anchored.id} does not match the signed head",
            count,
        )
    return Finding("ok", None, f"{count} records verified; the chain and signed head agree", count)
