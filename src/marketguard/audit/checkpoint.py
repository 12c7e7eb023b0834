"""The signed audit head, kept outside the database.

Deleting the newest records leaves a chain that is internally consistent; only a
copy of the head kept elsewhere reveals it. The head file binds the chain: it holds
the seq, record id and MAC of the newest record known to be good, signed with a key
derived from the installation secret, which the database never sees.

The file is the anchor every write and every verification starts from, so it is
never guessed at: a missing or unreadable file is an error (``CheckpointError``),
never silently replaced. It is created only by an explicit operation on an empty
log (``create``: ``marketguard db upgrade``, ``marketguard audit checkpoint --init``)
or replaced by an audited reset (``replace``). Otherwise it moves only forward
(``advance``), and only to a head the writer has shown to chain from the stored one.
Every change happens under an exclusive file lock and is written atomically (temp
file, fsync, rename, fsync of the directory).
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import os
import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from marketguard.audit.models import GENESIS
from marketguard.errors import MarketguardError

FORMAT = "marketguard-audit-head/2"
_HEX64 = re.compile(r"[0-9a-f]{64}")
_FIELDS = ("format", "key_id", "seq", "record_id", "hash", "signature")
_LEGACY_FIELDS = ("seq", "record_id", "hash", "signature")


class CheckpointError(MarketguardError):
    """The signed audit head is missing, unreadable, forged or cannot move as asked."""

    status = 503
    title = "Audit head unusable"
    type_slug = "audit-head-unusable"


class ChainBroken(CheckpointError):
    """The chain in the database does not continue from the signed head."""

    title = "Audit log does not continue from its signed head"
    type_slug = "audit-chain-broken"


@dataclass(frozen=True)
class Checkpoint:
    """A point of the chain: the record at ``seq`` has id ``record_id`` and MAC ``hash``.

    Seq 0 is the genesis of an empty log: no record, the all-zero hash.
    """

    seq: int
    record_id: str | None
    hash: str

    def describe(self) -> str:
        if self.seq == 0:
            return "seq 0 (the empty log)"
        return f"seq {self.seq} (record {self.record_id}, hash {self.hash[:12]}…)"


GENESIS_POINT = Checkpoint(0, None, GENESIS)


def signing_key(chain_key: bytes) -> bytes:
    """Derive the head's signing key from the chain key (itself from the secret)."""
    return hmac.new(chain_key, b"marketguard/audit-head/v2", hashlib.sha256).digest()


def key_id(key: bytes) -> str:
    """Name a signing key without revealing it (shown when a head is signed by another)."""
    return hashlib.sha256(b"marketguard/audit-head-key-id:" + key).hexdigest()[:16]


def _signature(key: bytes, point: Checkpoint) -> str:
    payload = orjson.dumps([FORMAT, key_id(key), point.seq, point.record_id, point.hash])
    return hmac.new(key, b"checkpoint:" + payload, hashlib.sha256).hexdigest()


def _legacy_signature(chain_key: bytes, point: Checkpoint) -> str:
    """The first format's signature (no format or key id), accepted when reading."""
    payload = orjson.dumps([point.seq, point.record_id, point.hash])
    return hmac.new(chain_key, b"checkpoint:" + payload, hashlib.sha256).hexdigest()


class FileCheckpointStore:
    """Keep the signed head in a JSON file (one machine, or a shared file system)."""

    def __init__(self, path: Path, key: bytes) -> None:
        self.path = path
        self._chain_key = key
        self._key = signing_key(key)
        self.key_id = key_id(self._key)

    def exists(self) -> bool:
        return self.path.exists()

    def read(self) -> Checkpoint:
        """Return the stored head; raise ``CheckpointError`` with the reason if unusable."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            raise self._error(
                "is missing: it is required to rule out truncation. Restore it, or run "
                "`marketguard audit checkpoint --init` on an empty log, or "
                "`marketguard audit checkpoint --reset --reason ...`",
                prefix=f"no signed audit head at {self.path}: the file",
            ) from None
        except OSError as exc:
            raise self._error(f"cannot be read ({exc.strerror or exc})") from None
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise self._error("is not valid JSON (corrupt or cut short)") from None
        if not isinstance(data, dict):
            raise self._error(f"is not a JSON object (found {type(data).__name__})")
        legacy = "format" not in data and all(name in data for name in _LEGACY_FIELDS)
        expected = _LEGACY_FIELDS if legacy else _FIELDS
        missing = [name for name in expected if name not in data]
        if missing:
            raise self._error(f"is missing {', '.join(missing)}")
        if not legacy and data["format"] != FORMAT:
            raise self._error(f"has unknown format {data['format']!r} (expected {FORMAT!r})")
        point = self._parse(data)
        if legacy:
            signature = _legacy_signature(self._chain_key, point)
        else:
            if data["key_id"] != self.key_id:
                raise self._error(
                    f"was signed with a different key (key id {data['key_id']!r}, this "
                    f"installation's is {self.key_id!r}): was MARKETGUARD_SECRET_KEY changed?"
                )
            signature = _signature(self._key, point)
        if not hmac.compare_digest(signature, str(data["signature"])):
            raise self._error("has a bad signature: it was edited or forged")
        return point

    def _parse(self, data: dict[str, Any]) -> Checkpoint:
        seq, record_id, digest = data["seq"], data["record_id"], data["hash"]
        if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
            raise self._error(f"has seq {seq!r}: expected a non-negative integer")
        if not isinstance(digest, str) or not _HEX64.fullmatch(digest):
            raise self._error(f"has hash {digest!r}: expected 64 hexadecimal digits")
        if seq == 0:
            if record_id is not None or digest != GENESIS:
                raise self._error("has seq 0 but names a record: seq 0 is the empty log")
        elif not isinstance(record_id, str) or not record_id:
            raise self._error(f"has record_id {record_id!r}: expected a record id")
        if not isinstance(data["signature"], str):
            raise self._error("has a signature that is not a string")
        return Checkpoint(seq, record_id, digest)

    def _error(self, reason: str, *, prefix: str | None = None) -> CheckpointError:
        return CheckpointError(f"{prefix or f'the signed audit head {self.path}'} {reason}")

    def create(self, point: Checkpoint) -> None:
        """Write the first head; refuse if a head file (good or bad) already exists."""
        with self._locked():
            if self.path.exists():
                raise CheckpointError(
                    f"a signed audit head already exists at {self.path}: it is never "
                    "overwritten; use `marketguard audit checkpoint --reset --reason ...`"
                )
            self._write(point)

    def advance(self, point: Checkpoint, *, proof: Mapping[int, str]) -> bool:
        """Move the head forward to ``point``; return whether the file changed.

        ``proof`` maps seqs to the MACs of records ``point`` is known to chain from.
        The stored head must be one of them (or already at or past ``point``, when a
        later writer got there first); anything else raises ``CheckpointError`` and
        leaves the file as it is.
        """
        with self._locked():
            current = self.read()
            if current.seq >= point.seq:
                return False
            if proof.get(current.seq) != current.hash:
                raise CheckpointError(
                    f"refusing to move the signed audit head from {current.describe()} to "
                    f"{point.describe()}: the new head does not chain from it"
                )
            self._write(point)
            return True

    def replace(self, point: Checkpoint) -> None:
        """Overwrite the head whatever it holds (the audited reset only)."""
        with self._locked():
            self._write(point)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        with open(lock_path, "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _write(self, point: Checkpoint) -> None:
        body = {
            "format": FORMAT,
            "key_id": self.key_id,
            "seq": point.seq,
            "record_id": point.record_id,
            "hash": point.hash,
            "signature": _signature(self._key, point),
        }
        data = orjson.dumps(body, option=orjson.OPT_INDENT_2) + b"\n"
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
