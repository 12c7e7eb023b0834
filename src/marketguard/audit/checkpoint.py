"""The signed audit head, kept outside the audit table.

Deleting the newest records leaves a chain that is internally consistent; only a
copy of the head kept elsewhere reveals it. The file is rewritten atomically under
a lock after every commit that appended records, and only ever moves forward.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import os
from dataclasses import dataclass
from pathlib import Path

import orjson


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    record_id: str
    hash: str


def _signature(key: bytes, point: Checkpoint) -> str:
    payload = orjson.dumps([point.seq, point.record_id, point.hash])
    return hmac.new(key, b"checkpoint:" + payload, hashlib.sha256).hexdigest()


class FileCheckpointStore:
    """Keep the signed head in a JSON file (embedded profile, one machine)."""

    def __init__(self, path: Path, key: bytes) -> None:
        self.path = path
        self.key = key

    def read(self) -> Checkpoint | None:
        """Return the stored head, or ``None`` if none was ever written.

        Raises ``ValueError`` when the file exists but its signature is wrong.
        """
        if not self.path.exists():
            return None
        data = orjson.loads(self.path.read_bytes())
        point = Checkpoint(int(data["seq"]), str(data["record_id"]), str(data["hash"]))
        if not hmac.compare_digest(_signature(self.key, point), str(data.get("signature", ""))):
            raise ValueError(f"the audit checkpoint {self.path} has a bad signature")
        return point

    def advance(self, point: Checkpoint) -> None:
        """Store ``point`` unless the stored head is already at or past it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        with open(lock_path, "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                current = self.read()
            except (ValueError, KeyError, orjson.JSONDecodeError):
                current = None
            if current is not None and current.seq >= point.seq:
                return
            body = {
                "seq": point.seq,
                "record_id": point.record_id,
                "hash": point.hash,
                "signature": _signature(self.key, point),
            }
            tmp = self.path.with_name(self.path.name + f".{os.getpid()}.tmp")
            tmp.write_bytes(orjson.dumps(body, option=orjson.OPT_INDENT_2))
            os.replace(tmp, self.path)
