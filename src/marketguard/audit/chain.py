"""The MAC chain: how a record's hash is computed from its content and predecessor."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import orjson

from marketguard.timeutil import format_rfc3339


def chain_key(secret: str) -> bytes:
    """Derive the audit chain key from the installation secret."""
    return hmac.new(secret.encode(), b"marketguard/audit-chain/v1", hashlib.sha256).digest()


def digest(value: Any) -> str | None:
    """Return a stable SHA-256 of any JSON-able value (``None`` stays ``None``)."""
    if value is None:
        return None
    data = orjson.dumps(value, option=orjson.OPT_SORT_KEYS, default=str)
    return hashlib.sha256(data).hexdigest()


def record_mac(key: bytes, fields: dict[str, Any]) -> str:
    """Return the keyed MAC of one record's content, predecessor included.

    ``seq`` is deliberately left out: order is protected by the ``prev`` links, so a
    swap of two records reads as a reordering rather than as an edit.
    """
    content = [
        fields["id"],
        format_rfc3339(fields["at"]),
        fields["actor"],
        fields["action"],
        fields["object_type"],
        fields["object_id"],
        fields["reason"],
        fields["before_digest"],
        fields["after_digest"],
        fields["prev_id"],
        fields["prev_hash"],
    ]
    return hmac.new(key, orjson.dumps(content), hashlib.sha256).hexdigest()
