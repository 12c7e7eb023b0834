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

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from marketguard.auth.models import ApiToken
from marketguard.auth.roles import Role
from marketguard.dataguard.classification import Level
from marketguard.dataguard.datasets import Dataset
from marketguard.dataguard.masking import mask
from marketguard.dataguard.models import DataGrant
from marketguard.timeutil import utcnow

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


_GRANTS = DataGrant.__table__.c
# Built once: every read runs it, and building a statement costs several times
# what executing this one does (its compiled form is cached by SQLAlchemy).
_LIVE_GRANTS = (
    select(_GRANTS.id, _GRANTS.dataset, _GRANTS.fields, _GRANTS.purpose, _GRANTS.expires_at)
    .where(_GRANTS.grantee == bindparam("grantee"), _GRANTS.expires_at > bindparam("now"),
           _GRANTS.revoked_at.is_(None))
    .order_by(_GRANTS.expires_at.desc())
)


_PRELOADED = "marketguard_live_grants"
_TOKEN_AND_LIVE_GRANTS = (
    select(ApiToken, _GRANTS.id.label("grant_id"), _GRANTS.dataset, _GRANTS.fields,
           _GRANTS.purpose, _GRANTS.expires_at)
    .outerjoin(DataGrant.__table__, (_GRANTS.grantee == ApiToken.name)
               & (_GRANTS.expires_at > bindparam("now")) & _GRANTS.revoked_at.is_(None))
    .where(ApiToken.id == bindparam("token_id"))
    .order_by(_GRANTS.expires_at.desc())
)


def preload_live_grants(session: Session, token_id: str) -> None:
    """Fetch a bearer's token row and live grants in one round trip (a logged read's preload).

    Why: every logged read authenticates and then asks for the caller's live
    grants, two round trips in a row; a page's whole budget for masking and the
    access log is a few of them. The token row lands in the session, where the
    verification that follows finds it; the grants wait in the session for
    :func:`load_live_grants`, which takes them once. Nothing outlives the unit of
    work, so a revocation or an expiry still takes effect on the next read.
    """
    now = utcnow()
    rows = session.execute(_TOKEN_AND_LIVE_GRANTS, {"token_id": token_id, "now": now}).all()
    if rows:
        grants = [LiveGrant(r.grant_id, r.dataset, frozenset(r.fields), r.purpose, r.expires_at)
                  for r in rows if r.grant_id is not None]
        # The token is kept here too: the session holds loaded rows weakly, and a token
        # nobody references would be gone before the verification looks for it.
        session.info[_PRELOADED] = (rows[0][0], now, grants)


def load_live_grants(session: Session, *, grantee: str, now: datetime) -> list[LiveGrant]:
    """Return a person's grants that are neither revoked nor expired (one indexed query).

    Grants preloaded with the token of this unit of work's request are used
    instead, once, if they are the same person's and were fetched no later than
    ``now`` (those expired since are dropped).
    """
    preloaded = session.info.pop(_PRELOADED, None)
    if preloaded is not None and preloaded[0].name == grantee and preloaded[1] <= now:
        return [grant for grant in preloaded[2] if grant.expires_at > now]
    rows = session.execute(_LIVE_GRANTS, {"grantee": grantee, "now": now})
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


_OBJECT = object()  # a key whose value is an object of fields, decided per inner key


@dataclass(frozen=True)
class _Plan:
    """What to do with the records (or objects) of one shape: which keys to touch.

    ``steps`` names, in key order, only the keys that are not shown as they are:
    each with the path to list in ``masked``, or ``_OBJECT`` for an object field
    decided per inner key. ``bits`` are the permits the shown keys rely on.
    """

    steps: tuple[tuple[str, Any], ...]
    bits: int


class _PageWalk:
    """Show or mask the fields of a page's records; remember what was shown under what.

    Why plans per shape: this runs on every read of ~100 records of ~12 fields,
    and the records of a page share a handful of shapes (the same keys in the same
    order). What to do with each key of a shape is decided once per page; a record
    is then a C-level copy plus work for only the keys that are masked or are
    objects. The permits a record relied on are a bit mask (rows are counted per
    mask), and what a permit exposed is noted once per path when a plan is made:
    a plan is made the first time a record carrying the path is met.
    """

    def __init__(self, visibility: Visibility) -> None:
        self.visibility = visibility
        self.objects = visibility.dataset.objects
        self._plans: dict[tuple[str, ...], _Plan] = {}
        self._inner: dict[tuple[str, tuple[str, ...]], _Plan] = {}
        self._permits: list[Permit] = []
        self._bits: dict[Permit, int] = {}
        self._shown: dict[str, Permit] = {}  # path -> the permit it was shown under
        self._rows: dict[int, int] = {}  # bit mask of the permits relied on -> records

    def access(self) -> PageAccess:
        fields: dict[Permit, set[str]] = {}
        for path, permit in self._shown.items():
            fields.setdefault(permit, set()).add(path)
        rows: dict[Permit, int] = {}
        for bits, count in self._rows.items():
            for index, permit in enumerate(self._permits):
                if bits >> index & 1:
                    rows[permit] = rows.get(permit, 0) + count
        return PageAccess(fields=fields, rows=rows)

    def _decide(self, path: str) -> Any:
        """Return True (show), None (mask) or the bit of the permit that shows ``path``."""
        permit = self.visibility.permit(path)
        if not isinstance(permit, Permit):
            return True if permit is True else None
        bit = self._bits.get(permit)
        if bit is None:
            bit = self._bits[permit] = 1 << len(self._permits)
            self._permits.append(permit)
        self._shown.setdefault(path, permit)
        return bit

    def _plan(self, keys: tuple[str, ...], prefix: str = "") -> _Plan:
        steps: list[tuple[str, Any]] = []
        bits = 0
        for key in keys:
            if not prefix and key in self.objects:
                steps.append((key, _OBJECT))
                continue
            decision = self._decide(prefix + key)
            if decision is None:
                steps.append((key, prefix + key))
            elif decision is not True:
                bits |= decision
        return _Plan(tuple(steps), bits)

    def record(self, record: dict[str, Any]) -> dict[str, Any]:
        keys = tuple(record)
        plan = self._plans.get(keys)
        if plan is None:
            plan = self._plans[keys] = self._plan(keys)
        out = record.copy()
        masked: list[str] = []
        used = plan.bits
        for key, step in plan.steps:
            value = record[key]
            if step is _OBJECT:
                if isinstance(value, dict):
                    out[key], bits = self._object(key, value, masked)
                    used |= bits
                    continue
                decision = self._decide(key)  # an object field holding a plain value
                if decision is not None:
                    used |= 0 if decision is True else decision
                    continue
            masked.append(key)
            out[key] = mask(value)
        if used:
            self._rows[used] = self._rows.get(used, 0) + 1
        out["masked"] = masked
        return out

    def _object(
        self, key: str, value: dict[str, Any], masked: list[str]
    ) -> tuple[dict[str, Any], int]:
        shape = (key, tuple(value))
        plan = self._inner.get(shape)
        if plan is None:
            plan = self._inner[shape] = self._plan(shape[1], prefix=key + ".")
        inner = value.copy()
        for sub, path in plan.steps:
            masked.append(path)
            inner[sub] = mask(value[sub])
        return inner, plan.bits


def show_records(
    visibility: Visibility, records: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], PageAccess]:
    """Mask every field the reader may not see; say which, and what was shown under what."""
    walk = _PageWalk(visibility)
    shown = [walk.record(record) for record in records]
    return shown, walk.access()
