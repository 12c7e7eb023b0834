"""The good-faith program: each notifier's accuracy, its fast lane and its sanctions.

Accuracy is counted per listing decided: *upheld* is a takedown that stands,
*overturned* a takedown reversed on appeal (it counts against the notifier),
*rejected* a listing the platform refused to take down. A notifier with enough
decisions, a high upheld share and a low overturned share is in the fast lane:
its notices take effect on receipt. Manifestly unfounded notices (DSA Art. 23)
move a notifier down a ladder: warned, then slowed (longer clock, no fast lane),
then suspended for a period (new notices refused).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketguard.audit import service as audit
from marketguard.auth.roles import SYSTEM
from marketguard.errors import Forbidden
from marketguard.ids import new_id
from marketguard.notices.models import Notice, NoticeItem, Notifier
from marketguard.notices.settings import NoticeSettings
from marketguard.timeutil import format_rfc3339

STANDINGS = ("normal", "warned", "slowed", "suspended")


@dataclass(frozen=True)
class Accuracy:
    """A notifier's record in shares of its decided listings."""

    decided: int
    upheld: int
    rejected: int
    overturned: int

    @property
    def upheld_share(self) -> float:
        return self.upheld / self.decided if self.decided else 0.0

    @property
    def overturned_share(self) -> float:
        takedowns = self.upheld + self.overturned
        return self.overturned / takedowns if takedowns else 0.0


def accuracy(notifier: Notifier) -> Accuracy:
    """Return the notifier's counts as an :class:`Accuracy`."""
    return Accuracy(
        decided=notifier.takedowns + notifier.rejections,
        upheld=notifier.takedowns - notifier.overturned,
        rejected=notifier.rejections,
        overturned=notifier.overturned,
    )


def notifier_for(session: Session, *, brand_id: str, now: datetime) -> Notifier:
    """Return the brand's notifier record, creating it on first use."""
    found = session.scalars(select(Notifier).where(Notifier.brand_id == brand_id)).first()
    if found is None:
        found = Notifier(
            id=new_id("ntf"),
            brand_id=brand_id,
            takedowns=0,
            rejections=0,
            overturned=0,
            unfounded=0,
            standing="normal",
            fast_lane=False,
            updated_at=now,
        )
        session.add(found)
        session.flush()
    return found


def check_may_file(notifier: Notifier, *, now: datetime) -> None:
    """Refuse a new notice while the notifier is suspended for abuse."""
    if notifier.suspended_until is not None and notifier.suspended_until > now:
        raise Forbidden(
            "this notifier is suspended for sending manifestly unfounded notices until "
            f"{format_rfc3339(notifier.suspended_until)}; notices filed before then are refused"
        )


def _unfounded_since(session: Session, *, brand_id: str, since: datetime) -> int:
    stmt = (
        select(func.count())
        .select_from(NoticeItem)
        .join(Notice, Notice.id == NoticeItem.notice_id)
        .where(Notice.brand_id == brand_id, NoticeItem.manifestly_unfounded.is_(True))
        .where(NoticeItem.decided_at > since)
    )
    return int(session.scalar(stmt) or 0)


def refresh(
    session: Session,
    notifier: Notifier,
    *,
    now: datetime,
    settings: NoticeSettings,
    new_unfounded: bool = False,
) -> Notifier:
    """Recompute standing and fast lane after a change; audit what moved."""
    count = 0
    if notifier.unfounded:  # most notifiers never sent one: skip the query
        count = _unfounded_since(
            session, brand_id=notifier.brand_id, since=now - settings.abuse_window
        )
    before = (notifier.standing, notifier.fast_lane)
    if notifier.suspended_until is not None and notifier.suspended_until > now:
        standing = "suspended"
    elif new_unfounded and count >= settings.suspend_after:
        notifier.suspended_until = now + settings.suspension
        standing = "suspended"
    elif count >= settings.slow_after:
        standing = "slowed"
    elif count >= settings.warn_after:
        standing = "warned"
    else:
        standing = "normal"
    record = accuracy(notifier)
    fast = (
        standing == "normal"
        and record.decided >= settings.fast_lane_min_decided
        and record.upheld_share >= settings.fast_lane_min_upheld
        and record.overturned_share <= settings.fast_lane_max_overturned
    )
    notifier.standing = standing
    if fast and not notifier.fast_lane:
        notifier.fast_lane_since = now
    notifier.fast_lane = fast
    notifier.updated_at = now
    if (standing, fast) != before:
        audit.record(
            session,
            actor=SYSTEM.actor,
            action="notifier.standing",
            object_type="notifier",
            object_id=notifier.brand_id,
            reason=f"{count} manifestly unfounded in window; upheld "
            f"{record.upheld_share:.0%} of {record.decided}, overturned "
            f"{record.overturned_share:.0%}",
            before={"standing": before[0], "fast_lane": before[1]},
            after={"standing": standing, "fast_lane": fast},
        )
    return notifier


def count_decision(
    session: Session,
    notifier: Notifier,
    *,
    takedown: bool,
    unfounded: bool,
    now: datetime,
    settings: NoticeSettings,
) -> None:
    """Count one decided listing for the notifier."""
    if takedown:
        notifier.takedowns += 1
    else:
        notifier.rejections += 1
    if unfounded:
        notifier.unfounded += 1
    refresh(session, notifier, now=now, settings=settings, new_unfounded=unfounded)


def count_overturned(
    session: Session, *, brand_id: str, now: datetime, settings: NoticeSettings
) -> None:
    """Count a takedown reversed on appeal against the notifier."""
    notifier = notifier_for(session, brand_id=brand_id, now=now)
    notifier.overturned += 1
    refresh(session, notifier, now=now, settings=settings)


def distribution(session: Session) -> dict[str, int]:
    """How many notifiers fall in each upheld-share band (those with decisions)."""
    bands = {"<50%": 0, "50-80%": 0, "80-90%": 0, "90-95%": 0, ">=95%": 0}
    for notifier in session.scalars(select(Notifier)):
        record = accuracy(notifier)
        if not record.decided:
            continue
        share = record.upheld_share
        key = (
            "<50%" if share < 0.5
            else "50-80%" if share < 0.8
            else "80-90%" if share < 0.9
            else "90-95%" if share < 0.95
            else ">=95%"
        )
        bands[key] += 1
    return bands


def standings(session: Session, *, now: datetime) -> dict[str, int]:
    """Count notifiers in the fast lane and suspended at ``now``."""
    fast = suspended = 0
    for notifier in session.scalars(select(Notifier)):
        fast += int(notifier.fast_lane)
        suspended += int(notifier.suspended_until is not None and notifier.suspended_until > now)
    return {"fast_lane": fast, "suspended": suspended}
