"""Bearer tokens verified moments ago, so a hot route need not ask the database.

Why: ``POST /risk/decisions`` answers in microseconds of engine time, but
looking the token up in a fresh unit of work costs hundreds of microseconds
and serialises on the connection pool. A principal is therefore remembered for
``TTL_S`` seconds after the database vouched for it. A revocation committed in
this process clears the cache at once (see :func:`tokens_changed`); another API
process stops honouring a revoked token within ``TTL_S``. An expiry is checked
on every use, so a cached token never outlives its ``expires_at``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime

from marketguard.auth.roles import Principal
from marketguard.timeutil import utcnow

TTL_S = 2.0
"""How long a verified token is trusted without asking the database again."""
MAX_ENTRIES = 10_000
_generation = 0
_generation_lock = threading.Lock()


def generation() -> int:
    """Return the revocation generation; pass it to :meth:`PrincipalCache.put`."""
    return _generation


def tokens_changed() -> None:
    """Forget every cached principal in this process (a token was revoked)."""
    global _generation
    with _generation_lock:
        _generation += 1


@dataclass(frozen=True, slots=True)
class _Entry:
    principal: Principal
    expires_at: datetime | None
    verified_at: float


class PrincipalCache:
    """Principals by bearer secret, each trusted for ``ttl`` seconds."""

    def __init__(self, ttl: float = TTL_S, max_entries: int = MAX_ENTRIES) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[str, _Entry] = {}
        self._generation = _generation

    def get(self, secret: str) -> Principal | None:
        """Return the principal verified for ``secret`` recently, or None."""
        if self._generation != _generation:
            self._entries = {}
            self._generation = _generation
        entry = self._entries.get(secret)
        if entry is None:
            return None
        if time.monotonic() - entry.verified_at > self.ttl or (
            entry.expires_at is not None and entry.expires_at <= utcnow()
        ):
            self._entries.pop(secret, None)
            return None
        return entry.principal

    def put(
        self, secret: str, principal: Principal, expires_at: datetime | None, seen: int
    ) -> None:
        """Remember a principal the database vouched for at generation ``seen``.

        Nothing is stored if a revocation committed since ``seen`` (the database
        read may predate it).
        """
        if seen != _generation:
            return
        if len(self._entries) >= self.max_entries:
            self._entries = {}
        self._entries[secret] = _Entry(principal, expires_at, time.monotonic())
