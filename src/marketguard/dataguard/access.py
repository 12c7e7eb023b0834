"""Who may see which field unmasked: live grants and standing clearances.

The check runs for every field of every record read, so it is a pure function
over what :func:`load_live_grants` fetched once for the request (one indexed
query); a :class:`Visibility` remembers its answer per path, so a page of
records costs a dictionary lookup per field. Nothing is cached across requests:
a revocation or an expiry takes effect on the very next read, in every process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fnmatch import fnmatchcase
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketguard.auth.roles import Role
from marketguard.dataguard.classification import Level
from marketguard.dataguard.datasets import Dataset
from marketguard.dataguard.masking import mask
from marketguard.dataguard.models import DataGrant

STAFF = (
    Role.employee,
    Role.analyst,
    Role.reviewer,
    Role.data_owner,
    Role.platform_admin,
    Role.auditor,
)
SENSITIVE = Level.confidential  # this level and above are masked without a grant


@dataclass(frozen=True)
class LiveGrant:
    """The part of a live grant the check needs."""

    id: str
    dataset: str
    fields: frozenset[str]
    purpose: str
    expires_at: datetime


@dataclass(frozen=True)
class Permit:
    """Why a field may be read unmasked: a grant (its id) or a standing clearance."""

    grant_id: str | None
    purpose: str


def load_live_grants(session: Session, *, grantee: str, now: datetime) -> list[LiveGrant]:
    """Return a person's grants that are neither revoked nor expired (one indexed query)."""
    rows = session.execute(
        select(DataGrant.id, DataGrant.dataset, DataGrant.fields, DataGrant.purpose,
               DataGrant.expires_at)
        .where(DataGrant.grantee == grantee, DataGrant.expires_at > now,
               DataGrant.revoked_at.is_(None))
        .order_by(DataGrant.expires_at.desc())
    )
    return [LiveGrant(r.id, r.dataset, frozenset(r.fields), r.purpose, r.expires_at) for r in rows]


def clearance_patterns(clearances: dict[str, list[str]], role: Role | str) -> tuple[str, ...]:
    """Return the field patterns a role reads unmasked without a grant."""
    key = role.value if isinstance(role, Role) else role
    return tuple(clearances.get(key, ()))


def cleared(patterns: tuple[str, ...], dataset: str, names: tuple[str, ...]) -> bool:
    """Whether any pattern (``notices.notifier.*``) matches ``dataset.name`` for a name."""
    return any(fnmatchcase(f"{dataset}.{n}", p) for p in patterns for n in names)


def clearance_roles(
    clearances: dict[str, list[str]], dataset: str, field: str, level: int
) -> list[str]:
    """Return the roles that read a catalog field unmasked without a grant.

    Level-1/2 fields: every staff role. Level-3/4: the roles (staff or not) whose
    standing clearance covers the field.
    """
    if level < SENSITIVE:
        return [r.value for r in STAFF]
    return [r.value for r in Role if cleared(clearance_patterns(clearances, r), dataset, (field,))]


class Visibility:
    """What one reader may see of one dataset, decided per path and remembered."""

    def __init__(
        self, dataset: Dataset, grants: list[LiveGrant], patterns: tuple[str, ...], role: str
    ) -> None:
        self.dataset = dataset
        self.grants = [g for g in grants if g.dataset == dataset.name]
        self.patterns = patterns
        self.role = role
        self._memo: dict[str, Permit | None | bool] = {}

    def permit(self, path: str) -> Permit | None | bool:
        """Return True for a path anyone on staff reads, a Permit, or None (mask it)."""
        found = self._memo.get(path, False)
        if found is not False:
            return found
        answer = self._decide(path)
        self._memo[path] = answer
        return answer

    def _decide(self, path: str) -> Permit | None | bool:
        classification = self.dataset.classify(path)
        if classification is not None and classification.level < SENSITIVE:
            return True
        if classification is None:
            return None  # unclassified: never shown
        names = self.dataset.covering_names(path)
        for grant in self.grants:
            if any(name in grant.fields for name in names):
                return Permit(grant.id, grant.purpose)
        if cleared(self.patterns, self.dataset.name, names):
            return Permit(None, f"standing clearance of role {self.role}")
        return None


@dataclass
class PageAccess:
    """What a page of records exposed unmasked, per permit (for the access log)."""

    fields: dict[Permit, set[str]]
    rows: dict[Permit, int]


class _PageWalk:
    """Show or mask the fields of a page's records; remember what was shown under what.

    Why a class and not a loop over flattened paths: a page is ~100 records of
    ~12 fields, and this runs on every read, so each field costs one memoised
    dictionary lookup (its path is built once per page, not once per record).
    """

    def __init__(self, visibility: Visibility) -> None:
        self.visibility = visibility
        self.objects = visibility.dataset.objects
        self.access = PageAccess(fields={}, rows={})
        self._paths: dict[tuple[str, str], str] = {}

    def record(self, record: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        masked: list[str] = []
        used: set[Permit] = set()
        for key, value in record.items():
            if key in self.objects and isinstance(value, dict):
                inner: dict[str, Any] = {}
                for sub, item in value.items():
                    path = self._paths.get((key, sub))
                    if path is None:
                        path = self._paths[(key, sub)] = f"{key}.{sub}"
                    inner[sub] = self._field(path, item, masked, used)
                out[key] = inner
            else:
                out[key] = self._field(key, value, masked, used)
        for permit in used:
            self.access.rows[permit] = self.access.rows.get(permit, 0) + 1
        out["masked"] = masked
        return out

    def _field(self, path: str, value: Any, masked: list[str], used: set[Permit]) -> Any:
        decision = self.visibility.permit(path)
        if decision is True:
            return value
        if isinstance(decision, Permit):
            used.add(decision)
            self.access.fields.setdefault(decision, set()).add(path)
            return value
        masked.append(path)
        return mask(value)


def show_records(
    visibility: Visibility, records: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], PageAccess]:
    """Mask every field the reader may not see; say which, and what was shown under what."""
    walk = _PageWalk(visibility)
    shown = [walk.record(record) for record in records]
    return shown, walk.access
