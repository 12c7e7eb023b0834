"""Alerts on abnormal reads: the access log is a stream the risk engine watches.

Why this shape: every access-log row becomes a risk event (:mod:`alert_events`),
so staff are watched by the same rules language, backtests and shadow mode as
buyers. Each API process keeps one :class:`AlertEvaluator` per database: an
engine with in-process feature state that follows the log in ``seq`` order.
After a unit of work that logged a read commits, the evaluator catches up on
every row it has not seen (rows logged by other processes included), so every
process holds the same windows; an alert is inserted "if absent" under a unique
(log row, rule) key, so two processes evaluating one row raise one alert.

``seq`` is taken in commit order (see :func:`append_statement`), so following
the log by ``seq`` never skips a row that commits late.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta
from importlib import resources
from typing import Any, cast

from sqlalchemy import Connection, Insert, Select, Table, func, insert, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from marketguard.audit import service as audit
from marketguard.auth.models import ApiToken
from marketguard.auth.roles import Principal, Role
from marketguard.config import Settings
from marketguard.dataguard.alert_events import log_rows, to_event
from marketguard.dataguard.datasets import DATASETS
from marketguard.dataguard.models import DataAccessLog, DataAccessLogHead, DataAlert
from marketguard.errors import Conflict, Forbidden, NotFound
from marketguard.ids import new_id
from marketguard.incidents.detectors import access_alert_raised
from marketguard.risk.engine import Clock, Engine, wall_clock
from marketguard.risk.model import RuleSet
from marketguard.risk.validator import load_rules, loads_rules
from marketguard.timeutil import utcnow
from marketguard.uow import on_commit, unit_of_work

log = logging.getLogger(__name__)

STARTER_RULES = "alert_rules.yaml"
WARM_WINDOW = timedelta(days=7)
"""How much of the log an evaluator replays on start-up to fill its windows."""
RAISE_ON_WARM = timedelta(minutes=10)
"""Rows this recent are still alerted on during warm-up (nobody may have yet)."""
SYSTEM_ACTOR = "system:data-alerts"
BATCH_S = 0.25
"""How long the evaluator's thread lets reads gather before it catches up on them."""
_EVAL_LOCK = 0x6D67_616C_7274  # "mgalrt": one evaluator writes alerts at a time
_SCHEDULED = "marketguard_data_alerts_scheduled"


# -- rules --------------------------------------------------------------------


def starter_rules_text() -> str:
    """Return the text of the starter rule set shipped in the package."""
    return resources.files("marketguard.dataguard").joinpath(STARTER_RULES).read_text("utf-8")


def load_alert_rules(settings: Settings) -> RuleSet:
    """Load the operator's rules (``data_alert_rules_path``) or the starter rules, validated."""
    if settings.data_alert_rules_path is not None:
        return load_rules(str(settings.data_alert_rules_path))
    return loads_rules(starter_rules_text(), source=f"marketguard/dataguard/{STARTER_RULES}")


# -- the log's sequence -------------------------------------------------------


_LOG = cast(Table, DataAccessLog.__table__)
_HEAD = cast(Table, DataAccessLogHead.__table__)
_NEXT_BY_MAX = select(func.coalesce(func.max(_LOG.c.seq), 0) + 1).scalar_subquery()
# Bump the head row, creating it (numbered after the rows already logged) if it is
# missing: a database made by ``create_all`` or emptied by TRUNCATE needs no seeding.
_BUMP_HEAD = (
    postgresql.insert(_HEAD)
    .values(id=1, seq=_NEXT_BY_MAX)
    .on_conflict_do_update(index_elements=[_HEAD.c.id], set_={"seq": _HEAD.c.seq + 1})
    .returning(_HEAD.c.seq)
    .cte("head")
)
# Built once: a logged read runs one of them, and building (and cache-keying) a
# statement costs more than executing this one.
_APPEND = {
    "postgresql": insert(_LOG)
    .values(seq=select(_BUMP_HEAD.c.seq).scalar_subquery())
    .add_cte(_BUMP_HEAD),
    "sqlite": insert(_LOG).values(seq=_NEXT_BY_MAX),
}


def append_statement(connection: Connection) -> Insert:
    """Return the INSERT that appends one log row, numbered in commit order.

    On PostgreSQL the statement first bumps the head row (``DataAccessLogHead``)
    and numbers the row with the result: one round trip. The head's row lock is
    held to the commit, so a second writer waits there and, once the first
    commits, reads the number after it; a reader that has seen row N committed
    has seen every row below N. SQLite has one writer at a time, which gives the
    same guarantee to ``max(seq) + 1``. The caller passes every other column.
    """
    return _APPEND[connection.dialect.name]


# -- evaluation ---------------------------------------------------------------


class AlertEvaluator:
    """Follow the access log through one rule set and raise alerts on what it flags."""

    def __init__(
        self, settings: Settings, ruleset: RuleSet | None = None, *, clock: Clock = wall_clock
    ) -> None:
        self.settings = settings
        self.ruleset = ruleset if ruleset is not None else load_alert_rules(settings)
        self.clock = clock
        self.rules = {rule.name: rule for rule in self.ruleset.rules}
        self.engine: Engine | None = None
        self.seen = 0
        """The ``seq`` of the last log row fed to the engine."""
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopped = False
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()

    def nudge(self) -> None:
        """Ask for a catch-up soon, on this evaluator's own thread; return at once.

        Why not catch up in the request: evaluating takes a transaction of its own
        (and on PostgreSQL a lock), which doubled the time of a logged read. Reads
        that arrive while a catch-up runs are covered by the next one.
        """
        if self._thread is None:
            with self._start:
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._follow, name="data-alerts", daemon=True
                    )
                    self._thread.start()
        self._wake.set()

    def close(self) -> None:
        """Stop the background thread (the evaluator is being forgotten)."""
        self._stopped = True
        self._wake.set()

    def _follow(self) -> None:
        while True:
            self._wake.wait()
            if self._stopped:
                return
            time.sleep(BATCH_S)  # let a burst of reads land, then evaluate them together
            if self._stopped:  # forgotten while it slept: its database may be gone
                return
            self._wake.clear()
            try:
                self.catch_up()
            except Exception:  # the reads committed; an alert failure must not stop them
                log.exception("data alerts: evaluating the access log failed")

    def catch_up(self, now: datetime | None = None) -> list[str]:
        """Evaluate every log row not seen yet, in log order; return the ids of new alerts."""
        with self._lock, unit_of_work(self.settings) as session:
            if session.get_bind().dialect.name == "postgresql":
                # Why: two processes inserting the same alerts in different orders while
                # each holds the audit chain's head would deadlock; SQLite has one writer.
                session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _EVAL_LOCK})
            top = int(session.scalar(select(func.max(DataAccessLog.seq))) or 0)
            created: list[str] = []
            owners: dict[tuple[str, str], list[str]] = {}  # who is told, asked once per batch
            if self.engine is None or top < self.seen:  # first call, or the log was reset
                created += self._warm(session, top, now or utcnow(), owners)
            stmt = select(DataAccessLog).where(DataAccessLog.seq > self.seen)
            for row, grant in log_rows(session, stmt):
                created += self._evaluate(session, row, to_event(row, grant), owners)
                self.seen = row.seq
            return created

    def _warm(
        self, session: Session, top: int, now: datetime, owners: dict[tuple[str, str], list[str]]
    ) -> list[str]:
        """Start from fresh windows filled with the last 7 days of the log (up to ``top``).

        Rows of the last few minutes are evaluated as usual (nobody may have yet);
        alerts already raised for them are not raised twice.
        """
        self.engine = Engine(self.ruleset, clock=self.clock,
                             limits=self.settings.risk_time_limits)
        stmt = select(DataAccessLog).where(
            DataAccessLog.at >= now - WARM_WINDOW, DataAccessLog.seq <= top
        )
        recent = now - RAISE_ON_WARM
        created: list[str] = []
        for row, grant in log_rows(session, stmt):
            event = to_event(row, grant)
            if row.at >= recent:
                created += self._evaluate(session, row, event, owners)
            else:
                self.engine.decide(event, row.seq)
        self.seen = top
        return created

    def _evaluate(
        self,
        session: Session,
        row: DataAccessLog,
        event: dict[str, Any],
        owners: dict[tuple[str, str], list[str]],
    ) -> list[str]:
        assert self.engine is not None
        decision = self.engine.decide(event, row.seq)
        if "error" in decision:
            log.warning("access-log row %s not evaluated: %s", row.seq, decision["error"])
            return []
        if decision["shadow_rules"]:
            log.info("access-log row %s matched shadow rules %s", row.seq,
                     decision["shadow_rules"])
        if decision["action"] == "allow":
            return []
        decision = {**decision, "rules_version": self.ruleset.version}
        created = []
        for name in decision["rules"]:
            rule = self.rules[name]
            if rule.action == "allow":
                continue
            told = owners.get((row.dataset, row.actor))
            if told is None:
                told = owners[(row.dataset, row.actor)] = owners_of(
                    session, dataset=row.dataset, actor=row.actor
                )
            alert_id = raise_alert(session, row=row, event=event, rule=name, action=rule.action,
                                   score=rule.score, decision=decision, owners=told)
            if alert_id is not None:
                created.append(alert_id)
                access_alert_raised(session, self.settings, actor=row.actor,
                                    dataset=row.dataset, level=int(event["level"]),
                                    rows=row.rows, rule=name, alert_id=alert_id)
        return created


def raise_alert(
    session: Session,
    *,
    row: DataAccessLog,
    event: dict[str, Any],
    rule: str,
    action: str,
    score: int,
    decision: dict[str, Any],
    owners: list[str] | None = None,
) -> str | None:
    """Insert the alert of one rule on one log row unless it exists; audit a new one.

    ``owners``: who is told (see :func:`owners_of`, asked when not given).
    Returns the new alert's id, or None when another evaluator raised it first.
    """
    values = {
        "id": new_id(),
        "at": utcnow(),
        "rule": rule,
        "action": action,
        "score": score,
        "actor": row.actor,
        "dataset": row.dataset,
        "level": int(event["level"]),
        "rows": row.rows,
        "log_id": row.id,
        "owners": owners if owners is not None else owners_of(
            session, dataset=row.dataset, actor=row.actor
        ),
        "status": "open",
        "decision": decision,
    }
    connection = session.connection()
    inserted = connection.execute(_RAISE[connection.dialect.name], values).scalar()
    if inserted is None:
        return None
    audit.record(
        session,
        actor=SYSTEM_ACTOR,
        action="data.alert",
        object_type="data_alert",
        object_id=str(inserted),
        reason=f"rule {rule} matched access-log row {row.seq}",
        after={key: values[key] for key in ("rule", "action", "score", "actor", "dataset",
                                            "level", "rows", "log_id", "owners")},
    )
    return str(inserted)


_ALERTS = cast(Table, DataAlert.__table__)
# Built once (a statement built per alert cost more than running it); the values are
# bound at execution.
_RAISE = {
    name: module.insert(_ALERTS)
    .on_conflict_do_nothing(index_elements=["log_id", "rule"])
    .returning(_ALERTS.c.id)
    for name, module in (("postgresql", postgresql), ("sqlite", sqlite))
}


def owners_of(session: Session, *, dataset: str, actor: str) -> list[str]:
    """Who is told: the data owners scoped to the dataset (not the reader), else its team."""
    now = utcnow()
    names = session.scalars(
        select(ApiToken.name).where(
            ApiToken.role == Role.data_owner.value,
            ApiToken.dataset == dataset,
            ApiToken.revoked_at.is_(None),
            (ApiToken.expires_at.is_(None)) | (ApiToken.expires_at > now),
        )
    )
    people = sorted({name for name in names if name != actor})
    if people:
        return people
    found = DATASETS.get(dataset)
    return [found.owner if found is not None else "security"]


# -- one evaluator per database, run after a logged read commits -------------

_EVALUATORS: dict[tuple[str, str], AlertEvaluator] = {}
_REGISTRY_LOCK = threading.Lock()
MAX_EVALUATORS = 8


def evaluator_for(settings: Settings) -> AlertEvaluator:
    """Return this process's evaluator of a database and rules file (created on first use)."""
    key = (settings.database_url, str(settings.data_alert_rules_path or ""))
    with _REGISTRY_LOCK:
        found = _EVALUATORS.get(key)
        if found is None:
            found = _EVALUATORS[key] = AlertEvaluator(settings)
            while len(_EVALUATORS) > MAX_EVALUATORS:
                _EVALUATORS.pop(next(iter(_EVALUATORS))).close()
        return found


def reset_evaluators() -> None:
    """Forget every evaluator and its windows (tests; a restored database)."""
    with _REGISTRY_LOCK:
        for evaluator in _EVALUATORS.values():
            evaluator.close()
        _EVALUATORS.clear()


def evaluate_after_commit(session: Session, settings: Settings) -> None:
    """Once this unit of work (which logged a read) commits, have the evaluator catch up.

    The read does not wait: the evaluator works on its own thread. Whoever lists
    alerts calls :meth:`AlertEvaluator.catch_up` first, so a list is never behind.
    """
    if session.info.get(_SCHEDULED):
        return
    session.info[_SCHEDULED] = True

    def run() -> None:
        session.info.pop(_SCHEDULED, None)
        evaluator_for(settings).nudge()

    on_commit(session, run)


# -- listing and acknowledging ------------------------------------------------


def sees_every_alert(principal: Principal) -> bool:
    return principal.role in (Role.data_owner, Role.auditor, Role.platform_admin)


def alerts_query(
    principal: Principal, *, status: str | None = None, dataset: str | None = None
) -> Select[Any]:
    """Alerts a caller may list: a scoped data owner their dataset's, others every one."""
    if not sees_every_alert(principal):
        raise Forbidden("alerts are for data owners, auditors and platform admins")
    stmt = select(DataAlert)
    if principal.dataset:
        stmt = stmt.where(DataAlert.dataset == principal.dataset)
    if status:
        stmt = stmt.where(DataAlert.status == status)
    if dataset:
        stmt = stmt.where(DataAlert.dataset == dataset)
    return stmt


def acknowledge(
    session: Session, *, principal: Principal, alert_id: str, note: str
) -> DataAlert:
    """Mark an alert seen, with a note; nobody acknowledges an alert about their own reads."""
    alert = session.get(DataAlert, alert_id, with_for_update=True)
    if alert is None or (principal.dataset and principal.dataset != alert.dataset):
        raise NotFound(f"no alert with id {alert_id!r}")
    if principal.role is not Role.data_owner:
        raise Forbidden("only a data owner acknowledges an alert")
    if alert.actor == principal.name:
        raise Forbidden("nobody acknowledges an alert about their own reads")
    if alert.status != "open":
        raise Conflict(f"alert {alert.id} is already {alert.status}")
    alert.status = "acknowledged"
    alert.acknowledged_by = principal.name
    alert.acknowledged_at = utcnow()
    alert.note = note.strip()
    audit.record(
        session,
        actor=principal.actor,
        action="data.alert_acknowledge",
        object_type="data_alert",
        object_id=alert.id,
        reason=alert.note or None,
        before={"status": "open"},
        after={"status": alert.status},
    )
    return alert
