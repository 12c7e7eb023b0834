"""File notices, triage them onto the 24-hour clock, decide each listing.

Lifecycle of a notice: received (or awaiting verification of its right) →
triaged (clock running, in the review queue) → each listing decided (taken down
with a statement of reasons, or rejected with a reason) → seller notified →
appeal window → decided/closed. Fast-lane notifiers' notices are decided on
receipt. Appeals are in :mod:`.appeals`; the clock sweep in :mod:`.clock`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketguard.auth.roles import SYSTEM, Principal, Role
from marketguard.brands import service as brands_service
from marketguard.enforcement import service as enforcement
from marketguard.errors import Conflict, Forbidden, InvalidInput, NotFound
from marketguard.ids import new_id
from marketguard.notices import events, goodfaith, intake
from marketguard.notices.models import NOTICE_STATUSES, Notice, NoticeEvent, NoticeItem, TestBuy
from marketguard.notices.settings import DEFAULT_NOTICE_SETTINGS, NoticeSettings
from marketguard.timeutil import format_rfc3339, utcnow

FINAL_ITEM_STATUSES = ("rejected", "upheld", "reinstated")
OUTCOMES = ("takedown", "reject")


def _brand_of(actor: Principal) -> str:
    if actor.role is not Role.rights_holder or not actor.brand_id:
        raise Forbidden("only a rights holder's token (scoped to its brand) may file notices")
    return actor.brand_id


def refusal(errors: list[dict[str, Any]], *, bulk: bool) -> str:
    """Say why a notice (or bulk file) was refused, naming the first reasons."""
    head = (f"the bulk file has {len(errors)} error(s); nothing was filed" if bulk
            else "the notice is incomplete or inconsistent; nothing was filed")
    shown = "; ".join(
        (f"line {e['line']} " if "line" in e else "") + f"{e['field']}: {e['reason']}"
        for e in errors[:3]
    )
    more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
    return f"{head}: {shown}{more}"


def file_notice(
    session: Session,
    *,
    actor: Principal,
    submission: intake.Submission,
    now: datetime | None = None,
    settings: NoticeSettings = DEFAULT_NOTICE_SETTINGS,
) -> Notice:
    """File one notice for the actor's brand, or refuse it with a reason per element."""
    return file_many(session, actor=actor, submissions=[submission], channel="api", now=now,
                     settings=settings)[0]


def file_bulk(
    session: Session,
    *,
    actor: Principal,
    body: bytes,
    content_type: str,
    now: datetime | None = None,
    settings: NoticeSettings = DEFAULT_NOTICE_SETTINGS,
) -> list[Notice]:
    """File every notice of a CSV or JSON Lines body; any bad line files nothing."""
    if len(body) > settings.max_bulk_bytes:
        raise InvalidInput(f"the bulk file is over {settings.max_bulk_bytes // 1_048_576} MiB")
    submissions, errors = intake.parse_bulk(body, content_type)
    return file_many(session, actor=actor, submissions=submissions, channel="bulk", now=now,
                     settings=settings, prior_errors=errors)


def file_many(
    session: Session,
    *,
    actor: Principal,
    submissions: Sequence[intake.Submission],
    channel: str,
    now: datetime | None = None,
    settings: NoticeSettings = DEFAULT_NOTICE_SETTINGS,
    prior_errors: Sequence[dict[str, Any]] = (),
) -> list[Notice]:
    """Check every submission first; file them all only if all pass (and no prior errors)."""
    brand_id = _brand_of(actor)
    moment = now or utcnow()
    notifier = goodfaith.notifier_for(session, brand_id=brand_id, now=moment)
    goodfaith.check_may_file(notifier, now=moment)
    wanted = {
        intake.listing_ref(ref) for s in submissions for ref in s.listings if isinstance(ref, str)
    }
    listings = intake.load_listings(session, wanted)
    under = intake.open_notices(session, brand_id=brand_id, listing_ids=set(listings))
    checked: list[intake.CheckedNotice] = []
    errors: list[dict[str, Any]] = list(prior_errors)
    for submission in submissions:
        ok, found = intake.check(session, brand_id=brand_id, submission=submission,
                                 settings=settings, today=moment.date(), listings=listings,
                                 under_notice=under)
        first = {"line": submission.lines[0]} if submission.lines else {}
        errors.extend({**first, **e} for e in found)
        if ok is not None:
            checked.append(ok)
            under.update({listing.listing_id: "(this file)" for _, listing in ok.listings})
    if errors:
        errors.sort(key=lambda e: int(e.get("line", 0)))
        raise InvalidInput(refusal(errors, bulk=channel == "bulk"), errors=errors[:1000])
    return [
        _file_checked(session, actor=actor, brand_id=brand_id, checked=c, channel=channel,
                      notifier=notifier, now=moment, settings=settings)
        for c in checked
    ]


def _file_checked(
    session: Session, *, actor: Principal, brand_id: str, checked: intake.CheckedNotice,
    channel: str, notifier: Any, now: datetime, settings: NoticeSettings,
) -> Notice:
    notice = Notice(
        id=new_id("ntc"), brand_id=brand_id, right_id=checked.right.id, notifier_id=notifier.id,
        notifier_name=checked.notifier_name, notifier_email=checked.notifier_email,
        explanation=checked.explanation, good_faith=True, channel=channel, filed_by=actor.actor,
        status="awaiting_verification", received_at=now, risk=0, fast_lane=False, slowed=False,
    )
    session.add(notice)
    session.add_all(
        NoticeItem(id=new_id("nti"), notice_id=notice.id, listing_id=listing.listing_id,
                   seller_id=listing.seller_id, submitted_as=raw, status="pending",
                   manifestly_unfounded=False)
        for raw, listing in checked.listings
    )
    session.flush()
    events.record(session, notice=notice, kind="received", actor=actor.actor, now=now,
                  detail={"listings": len(checked.listings), "channel": channel})
    if checked.right.verification == "verified":
        activate(session, notice=notice, now=now, settings=settings)
    else:
        events.record(session, notice=notice, kind="awaiting_verification", actor=SYSTEM.actor,
                      now=now, detail={"right_id": checked.right.id},
                      reason="the right relied on is not verified yet; the clock starts on "
                      "verification")
    return notice


def release(session: Session, *, notice: Notice, now: datetime, settings: NoticeSettings) -> bool:
    """Start a waiting notice once its right is verified, or refuse it if rejected."""
    if notice.status != "awaiting_verification":
        return False
    right = brands_service.get_right(session, right_id=notice.right_id)
    if right.verification == "verified":
        activate(session, notice=notice, now=now, settings=settings)
        return True
    if right.verification == "rejected":
        reason = f"the right relied on was rejected at verification: {right.verification_reason}"
        notice.status, notice.closed_at = "refused", now
        for item in items_of(session, notice.id):
            item.status, item.decided_at, item.final_at = "rejected", now, now
            item.decided_by, item.reason = SYSTEM.actor, reason
        events.record(session, notice=notice, kind="refused", actor=SYSTEM.actor, now=now,
                      reason=reason)
        return True
    return False


def items_of(session: Session, notice_id: str) -> list[NoticeItem]:
    stmt = select(NoticeItem).where(NoticeItem.notice_id == notice_id).order_by(NoticeItem.id)
    return list(session.scalars(stmt))


def activate(session: Session, *, notice: Notice, now: datetime, settings: NoticeSettings) -> None:
    """Start the clock, triage into the queue, or decide on receipt in the fast lane."""
    notifier = goodfaith.notifier_for(session, brand_id=notice.brand_id, now=now)
    goodfaith.refresh(session, notifier, now=now, settings=settings)
    items = items_of(session, notice.id)
    notice.slowed = notifier.standing in ("slowed", "suspended")
    notice.clock_started_at = now
    notice.due_at = now + (settings.slowed_sla if notice.slowed else settings.sla)
    notice.risk = _risk(session, notice, items, notifier.standing, now)
    notice.status = "triaged"
    notice.triaged_at = now
    notice.queue_key = f"{notice.due_at:%Y%m%dT%H%M%S}|{100 - notice.risk:03d}|{notice.id}"
    events.record(session, notice=notice, kind="triaged", actor=SYSTEM.actor, now=now,
                  detail={"due_at": format_rfc3339(notice.due_at), "risk": notice.risk,
                          "slowed": notice.slowed})
    if notifier.fast_lane:
        notice.fast_lane = True
        record = goodfaith.accuracy(notifier)
        reason = (f"taken down on receipt: the notifier is in the good-faith fast lane "
                  f"(upheld {record.upheld_share:.0%} of {record.decided} decided listings)")
        for item in items:
            _takedown(session, notice=notice, item=item, actor=SYSTEM, reason=reason,
                      automated="fully", now=now, settings=settings, by="fast lane")
            goodfaith.count_decision(session, notifier, takedown=True, unfounded=False,
                                     now=now, settings=settings)
        settle(session, notice=notice, now=now)


def _risk(session: Session, notice: Notice, items: list[NoticeItem], standing: str,
          now: datetime) -> int:
    """Score how urgent a notice is (0-100): confirmed test buys, strikes, authorisation."""
    listing_ids = [i.listing_id for i in items]
    confirmed: set[str] = set()
    for start in range(0, len(listing_ids), 500):
        confirmed.update(session.scalars(
            select(TestBuy.listing_id).where(TestBuy.listing_id.in_(listing_ids[start:start + 500]),
                                             TestBuy.result == "counterfeit",
                                             TestBuy.confirmed_at.is_not(None))))
    strikes = enforcement.strike_counts(session, seller_ids={i.seller_id for i in items}, now=now)
    authorised = set(brands_service.resolve_brand(session, notice.brand_id).authorized_sellers)
    best = 0
    for item in items:
        score = 30 + (40 if item.listing_id in confirmed else 0)
        score += min(strikes.get(item.seller_id, 0) * 15, 45)
        score -= 30 if item.seller_id in authorised else 0
        best = max(best, score)
    best -= {"warned": 10, "slowed": 20, "suspended": 20}.get(standing, 0)
    return max(0, min(100, best))


def _facts(session: Session, notice: Notice, item: NoticeItem, finding: str) -> str:
    right = brands_service.get_right(session, right_id=notice.right_id)
    brand = brands_service.resolve_brand(session, notice.brand_id)
    buys = session.scalars(select(TestBuy).where(
        TestBuy.listing_id == item.listing_id, TestBuy.result == "counterfeit",
        TestBuy.confirmed_at.is_not(None))).all()
    text = (f"Notice {notice.id} received {format_rfc3339(notice.received_at)} from the rights "
            f"holder {brand.name}, relying on {right.kind} {right.number} ({right.jurisdiction}), "
            f"named listing {item.listing_id}. The notifier explained: {notice.explanation} "
            f"Finding: {finding}")
    if buys:
        text += " Confirmed counterfeit test buy(s): " + ", ".join(
            f"{b.id} purchased {b.purchased_on.isoformat()}" for b in buys) + "."
    return text


def _takedown(session: Session, *, notice: Notice, item: NoticeItem, actor: Principal,
              reason: str, automated: str, now: datetime, settings: NoticeSettings,
              by: str) -> None:
    statement = enforcement.restrict_listing(
        session, actor=actor, listing_id=item.listing_id, action="remove",
        ground="illegal_content", facts=_facts(session, notice, item, reason),
        automated_detection=False, automated_decision=automated, source="notice",
        right_id=notice.right_id, notice_id=notice.id, notice_item_id=item.id,
        evidence={"notice_id": notice.id, "submitted_as": item.submitted_as},
        explanation=reason, now=now, settings=settings.enforcement)
    item.status, item.decided_at, item.decided_by = "taken_down", now, by
    item.reason, item.statement_id = reason, statement.id
    item.appeal_until = statement.appeal_until
    events.record(session, notice=notice, kind="item_decided", actor=actor.actor, now=now,
                  item=item, detail={"outcome": "takedown", "statement_id": statement.id},
                  reason=reason)
    enforcement.add_strike(session, actor=actor, seller_id=item.seller_id,
                           statement_id=statement.id, now=now, settings=settings.enforcement,
                           reason=f"notice {notice.id}: listing {item.listing_id}")
    item.seller_notified_at = now
    events.record(session, notice=notice, kind="seller_notified", actor=SYSTEM.actor, now=now,
                  item=item, detail={"statement_id": statement.id,
                                     "appeal_until": format_rfc3339(statement.appeal_until)})


def decide(
    session: Session,
    *,
    actor: Principal,
    notice_id: str,
    listing_id: str,
    outcome: str,
    reason: str,
    manifestly_unfounded: bool = False,
    now: datetime | None = None,
    settings: NoticeSettings = DEFAULT_NOTICE_SETTINGS,
) -> NoticeItem:
    """Decide one listing of a notice: take it down, or reject the notice for it."""
    moment = now or utcnow()
    if outcome not in OUTCOMES:
        raise InvalidInput(f"outcome must be one of {', '.join(OUTCOMES)}")
    if not reason.strip() or len(reason) > 2000:
        raise InvalidInput("a decision needs a reason (1 to 2000 characters)")
    if manifestly_unfounded and outcome != "reject":
        raise InvalidInput("only a rejection can find a notice manifestly unfounded")
    notice = session.get(Notice, notice_id)
    if notice is None:
        raise NotFound(f"no notice {notice_id!r}")
    if notice.status == "awaiting_verification":
        release(session, notice=notice, now=moment, settings=settings)
    if notice.status not in ("triaged", "decided"):
        raise Conflict(f"notice {notice_id} is {notice.status}; it cannot be decided now")
    item = next((i for i in items_of(session, notice_id) if i.listing_id == listing_id), None)
    if item is None:
        raise NotFound(f"notice {notice_id} does not name listing {listing_id!r}")
    if item.status != "pending":
        raise Conflict(f"listing {listing_id} of notice {notice_id} was already decided "
                       f"({item.status})")
    notifier = goodfaith.notifier_for(session, brand_id=notice.brand_id, now=moment)
    if outcome == "takedown":
        _takedown(session, notice=notice, item=item, actor=actor, reason=reason,
                  automated="not_automated", now=moment, settings=settings, by=actor.actor)
    else:
        item.status, item.decided_at, item.decided_by = "rejected", moment, actor.actor
        item.reason, item.final_at = reason, moment
        item.manifestly_unfounded = manifestly_unfounded
        events.record(session, notice=notice, kind="item_decided", actor=actor.actor, now=moment,
                      item=item, detail={"outcome": "reject",
                                         "manifestly_unfounded": manifestly_unfounded},
                      reason=reason)
    goodfaith.count_decision(session, notifier, takedown=outcome == "takedown",
                             unfounded=manifestly_unfounded, now=moment, settings=settings)
    settle(session, notice=notice, now=moment)
    return item


def settle(session: Session, *, notice: Notice, now: datetime) -> Notice:
    """Move a notice to decided / closed when its listings allow; record a breach if late."""
    items = items_of(session, notice.id)
    if notice.status == "triaged" and all(i.status != "pending" for i in items):
        notice.status, notice.decided_at, notice.queue_key = "decided", now, None
        if notice.due_at is not None and now > notice.due_at and notice.breached_at is None:
            notice.breached_at = notice.due_at
            events.record(session, notice=notice, kind="breached", actor=SYSTEM.actor, now=now,
                          detail={"due_at": format_rfc3339(notice.due_at)},
                          reason="decided after its due time")
        events.record(session, notice=notice, kind="decided", actor=SYSTEM.actor, now=now)
    if notice.status == "decided" and all(i.status in FINAL_ITEM_STATUSES for i in items):
        notice.status, notice.closed_at = "closed", now
        events.record(session, notice=notice, kind="closed", actor=SYSTEM.actor, now=now)
    return notice


def get_notice(session: Session, *, principal: Principal, notice_id: str) -> Notice:
    """Return a notice its rights holder or staff may read; others look absent."""
    notice = session.get(Notice, notice_id)
    visible = notice is not None and (
        principal.role in (Role.reviewer, Role.platform_admin)
        or (principal.role is Role.rights_holder and principal.brand_id == notice.brand_id)
    )
    if notice is None or not visible:
        raise NotFound(f"no notice {notice_id!r} visible to this token")
    return notice


def history(session: Session, notice_id: str) -> list[NoticeEvent]:
    stmt = (select(NoticeEvent).where(NoticeEvent.notice_id == notice_id)
            .order_by(NoticeEvent.at, NoticeEvent.id))
    return list(session.scalars(stmt))


def notices_query(principal: Principal, *, status: str | None) -> Any:
    """The notices a principal may page through (a rights holder: its own brand's)."""
    stmt = select(Notice)
    if principal.role is Role.rights_holder:
        stmt = stmt.where(Notice.brand_id == principal.brand_id)
    elif principal.role not in (Role.reviewer, Role.platform_admin):
        stmt = stmt.where(Notice.id.is_(None))
    if status is not None:
        if status not in NOTICE_STATUSES:
            raise InvalidInput(f"status must be one of {', '.join(NOTICE_STATUSES)}")
        stmt = stmt.where(Notice.status == status)
    return stmt
