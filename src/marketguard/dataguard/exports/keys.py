"""Keys derived from the platform's secret for exports: watermark marks and pseudonyms.

Why derived and not stored: a mark or a pseudonym key kept in the database would
leak with the database; derived from ``MARKETGUARD_SECRET_KEY`` with a label per
use, each is reproducible by the platform alone, and one leaked derived key says
nothing about the secret or the other keys.
"""

from __future__ import annotations

import hashlib
import hmac

_MARK = b"marketguard export mark\x00"
_PSEUDONYM = b"marketguard pseudonym key\x00"


def _derive(secret_key: str, label: bytes, subject: str = "") -> bytes:
    return hmac.new(secret_key.encode(), label + subject.encode(), hashlib.sha256).digest()


def export_mark(secret_key: str, export_id: str) -> bytes:
    """Return the 32-byte per-export secret its file is watermarked with."""
    return _derive(secret_key, _MARK, export_id)


def pseudonym_key(secret_key: str) -> bytes:
    """Return the 32-byte key personal fields are pseudonymised with (per recipient inside)."""
    return _derive(secret_key, _PSEUDONYM)
