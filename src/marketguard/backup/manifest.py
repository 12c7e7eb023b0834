"""The manifest: what a backup holds, signed so that an edited manifest is refused.

Why signed: the manifest carries the payload's SHA-256, so whoever can change the
payload can change the digest too. The signature (HMAC-SHA256 with a key derived
from ``MARKETGUARD_SECRET_KEY``, the same secret the audit chain is keyed with)
ties the manifest to the installation that made it: without the secret, neither
the payload nor any figure in the manifest can be changed unnoticed. ``key_id``
names the key without revealing it, so a backup read by an installation with
another secret says so instead of calling the file damaged.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from marketguard.audit.checkpoint import Checkpoint
from marketguard.backup.errors import BackupDamaged, BackupError

FORMAT: Literal["marketguard-backup/1"] = "marketguard-backup/1"
Kind = Literal["sqlite", "postgresql"]
_SIGNED_BY = b"marketguard/backup-manifest/v1"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class AuditHeadInfo(_Strict):
    """The newest audit record in the backup (seq 0: the log was empty)."""

    seq: int = Field(ge=0)
    record_id: str | None
    hash: str = Field(pattern=r"^[0-9a-f]{64}$")

    def point(self) -> Checkpoint:
        return Checkpoint(self.seq, self.record_id, self.hash)


class AuditCheckInfo(_Strict):
    """How the audit chain looked when the backup was taken (``kind`` as in audit verify)."""

    kind: str
    message: str


class PayloadInfo(_Strict):
    """The database copy inside the archive, and how to recognise it intact."""

    name: str
    format: Literal["sqlite3", "pg_dump-custom"]
    size: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class Manifest(_Strict):
    """Everything needed to check a backup without trusting the payload."""

    format: Literal["marketguard-backup/1"] = FORMAT
    backup_id: str
    created_at: datetime = Field(strict=False)
    database: Kind
    alembic_revision: str | None
    tables: dict[str, int]
    audit_head: AuditHeadInfo
    audit_check: AuditCheckInfo
    payload: PayloadInfo
    made_with: dict[str, str]

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def manifest_key(chain_key: bytes) -> bytes:
    """Derive the manifest signing key from the audit chain key (itself from the secret)."""
    return hmac.new(chain_key, _SIGNED_BY, hashlib.sha256).digest()


def key_id(key: bytes) -> str:
    """Name a signing key without revealing it."""
    return hashlib.sha256(b"marketguard/backup-key-id:" + key).hexdigest()[:16]


def _signature(key: bytes, body: dict[str, Any]) -> str:
    canonical = orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
    return hmac.new(key, canonical, hashlib.sha256).hexdigest()


def sign(manifest: Manifest, key: bytes) -> bytes:
    """Return the manifest as signed JSON bytes, ready to go into the archive."""
    body = manifest.to_json()
    body["key_id"] = key_id(key)
    body["signature"] = _signature(key, body)
    return orjson.dumps(body, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


def check(raw: bytes, key: bytes) -> Manifest:
    """Parse signed manifest bytes; raise unless this installation signed them unchanged."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise BackupDamaged(
            "the backup's manifest is not valid JSON: it was edited or corrupted"
        ) from None
    if not isinstance(data, dict):
        raise BackupDamaged("the backup's manifest is not a JSON object")
    found = data.get("format")
    if found != FORMAT:
        raise BackupError(
            f"the backup's manifest has format {found!r}; this version of marketguard reads "
            f"{FORMAT!r}"
        )
    signature = data.pop("signature", None)
    if not isinstance(signature, str) or "key_id" not in data:
        raise BackupDamaged("the backup's manifest carries no signature: it was edited")
    if data["key_id"] != key_id(key):
        raise BackupError(
            f"the backup was signed by another installation (key id {data['key_id']!r}, this "
            f"one's is {key_id(key)!r}): verify and restore it with the MARKETGUARD_SECRET_KEY "
            "of the installation that made it"
        )
    if not hmac.compare_digest(_signature(key, data), signature):
        raise BackupDamaged(
            "the backup's manifest does not match its signature: it was edited after the "
            "backup was made"
        )
    del data["key_id"]
    try:
        return Manifest.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise BackupError(
            f"the backup's manifest is not usable: {where}: {first['msg']}"
        ) from None
