"""Appeals (counter-notices): a seller contests a restriction and a person decides.

For a takedown made on a notice, the rights holder is asked to answer first
(``answer_window``); a reviewer then decides. A granted appeal reverses the
restriction, removes its strike and, for a notice, counts against the notifier.
Any restriction can be appealed this way, store closures included.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketguard.audit import service as audit
from marketguard.auth.roles import Principal, Role, same_person
from marketguard.enforcement import service as enforcement
from marketguard.errors import Conflict, Forbidden, InvalidInput, NotFound
from marketguard.ids import new_id
from marketguard.notices import events, goodfaith
from marketguard.notices.models import APPEAL_STATUSES, Appeal, Notice, NoticeItem
from marketguard.notices.service import settle
from marketguard.notices.settings import DEFAULT_NOTICE_SETTINGS, NoticeSettings
from marketguard.timeutil import format_rfc3339, utcnow

MAX_EVIDENCE = 20


def _check_evidence(evidence: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if len(evidence) > MAX_EVIDENCE:
        raise InvalidInput(f"at most {MAX_EVIDENCE} pieces of evidence")
    errors = [
        {"field": f"evidence[{i}].description", "reason": "describe each piece of evidence"}
        for i, e in enumerate(evidence)
        if not str(e.get("description") or "").strip()
    ]
    if errors:
        raise InvalidInput("the appeal's evidence is incomplete", errors=errors)
    return [dict(e) for e in evidence]


def file_appeal(
    session: Session,
    *,
    actor: Principal,
    explanation: str,
    listing_id: str | None = None,
    statement_id: str | None = None,
    evidence: list[dict[str, Any]] | None = None,
    now: datetime | None = None,
    settings: NoticeSettings = DEFAULT_NOTICE_SETTINGS,
) -> Appeal:
    """Appeal the active restriction of a listing (or any statement) of the actor's."""
    if actor.role is not Role.seller or not actor.seller_id:
        raise Forbidden("only the seller concerned may appeal")
    if (listing_id is None) == (statement_id is None):
        raise InvalidInput("give the listing_id of a restricted listing, or a statement_id")
    if len(explanation.strip()) < 10 or len(explanation) > 5000:
        raise InvalidInput(
            "explain why the decision is wrong (10 to 5000 characters)",
            errors=[{"field": "explanation", "reason": "10 to 5000 characters"}],
        )
    checked = _check_evidence(evidence or [])
    moment = now or utcnow()
    if listing_id is not None:
        statement = enforcement.statement_for_listing(session, listing_id=listing_id)
        if statement is None or statement.seller_id != actor.seller_id:
            raise NotFound(f"no active restriction of your listing {listing_id!r} to appeal")
    else:
        statement = enforcement.visible(session, principal=actor, statement_id=statement_id or "")
        if statement.status != "active":
            raise Conflict(f"statement {statement.id} was already lifted; nothing to appeal")
    if moment > statement.appeal_until:
        raise Conflict(f"the appeal window closed on {format_rfc3339(statement.appeal_until)}")
    open_appeal = session.scalars(
        select(Appeal.id).where(
            Appeal.statement_id == statement.id,
            Appeal.status.in_(("awaiting_rights_holder", "awaiting_decision")),
        )
    ).first()
    if open_appeal is not None:
        raise Conflict(f"appeal {open_appeal} against this decision is still open")
    item = session.get(NoticeItem, statement.notice_item_id) if statement.notice_item_id else None
    notice = session.get(Notice, item.notice_id) if item else None
    appeal = Appeal(
        id=new_id("apl"),
        statement_id=statement.id,
        notice_item_id=item.id if item else None,
        notice_id=notice.id if notice else None,
        brand_id=notice.brand_id if notice else None,
        seller_id=statement.seller_id,
        listing_id=statement.listing_id,
        explanation=explanation.strip(),
        evidence=checked,
        status="awaiting_rights_holder" if notice else "awaiting_decision",
        filed_at=moment,
        answer_due_at=moment + settings.answer_window if notice else None,
    )
    session.add(appeal)
    session.flush()
    # The explanation is the seller's own words and may name them: the audit log,
    # which is never edited, keeps its digest; the appeal row keeps the text.
    audit.record(session, actor=actor.actor, action="appeal.file", object_type="appeal",
                 object_id=appeal.id, reason=f"appeal against statement {statement.id}",
                 after={"statement_id": statement.id, "status": appeal.status,
                        "explanation": appeal.explanation})
    if item is not None and notice is not None:
        item.status = "appealed"
        events.record(session, notice=notice, kind="appeal_filed", actor=actor.actor,
                      now=moment, item=item,
                      detail={"appeal_id": appeal.id,
                              "answer_due_at": format_rfc3339(appeal.answer_due_at or moment)})
    return appeal


def visible_appeal(session: Session, *, principal: Principal, appeal_id: str) -> Appeal:
    """Return an appeal its seller, the rights holder concerned or staff may read."""
    appeal = session.get(Appeal, appeal_id)
    allowed = appeal is not None and (
        principal.role in (Role.reviewer, Role.platform_admin)
        or (principal.role is Role.seller and principal.seller_id == appeal.seller_id)
        or (principal.role is Role.rights_holder and appeal.brand_id is not None
            and principal.brand_id == appeal.brand_id)
    )
    if appeal is None or not allowed:
        raise NotFound(f"no appeal {appeal_id!r} visible to this token")
    return appeal


def answer_appeal(
    session: Session,
    *,
    actor: Principal,
    appeal_id: str,
    position: str,
    explanation: str,
    now: datetime | None = None,
) -> Appeal:
    """Record the rights holder's answer to a counter-notice (maintain or withdraw)."""
    appeal = visible_appeal(session, principal=actor, appeal_id=appeal_id)
    if actor.role is not Role.rights_holder:
        raise Forbidden("only the rights holder who sent the notice answers its appeals")
    if position not in ("maintain", "withdraw"):
        raise InvalidInput("position must be 'maintain' or 'withdraw'")
    if not explanation.strip():
        raise InvalidInput("explain your answer to the seller's counter-notice")
    if appeal.status != "awaiting_rights_holder":
        raise Conflict(f"appeal {appeal_id} is {appeal.status}; it takes no answer now")
    moment = now or utcnow()
    appeal.answer_position, appeal.answer_explanation = position, explanation.strip()
    appeal.answered_at, appeal.status = moment, "awaiting_decision"
    audit.record(session, actor=actor.actor, action="appeal.answer", object_type="appeal",
                 object_id=appeal.id, reason=f"the rights holder's answer: {position}",
                 after={"position": position, "explanation": appeal.answer_explanation})
    _notice_event(session, appeal, "rights_holder_answered", actor.actor, moment,
                  {"appeal_id": appeal.id, "position": position})
    return appeal


def _notice_event(session: Session, appeal: Appeal, kind: str, actor: str, now: datetime,
                  detail: dict[str, Any], reason: str | None = None) -> None:
    if appeal.notice_item_id is None:
        return
    item = session.get(NoticeItem, appeal.notice_item_id)
    notice = session.get(Notice, appeal.notice_id or "")
    if item is not None and notice is not None:
        events.record(session, notice=notice, kind=kind, actor=actor, now=now, item=item,
                      detail=detail, reason=reason)


def decide_appeal(
    session: Session,
    *,
    actor: Principal,
    appeal_id: str,
    outcome: str,
    reason: str,
    now: datetime | None = None,
    settings: NoticeSettings = DEFAULT_NOTICE_SETTINGS,
) -> Appeal:
    """Decide an appeal: ``reinstate`` (reverse the restriction) or ``uphold`` it."""
    if outcome not in ("reinstate", "uphold"):
        raise InvalidInput("outcome must be 'reinstate' or 'uphold'")
    if not reason.strip():
        raise InvalidInput("an appeal decision needs a reason")
    moment = now or utcnow()
    appeal = session.get(Appeal, appeal_id)
    if appeal is None:
        raise NotFound(f"no appeal {appeal_id!r}")
    if appeal.status == "awaiting_rights_holder":
        if appeal.answer_due_at is not None and appeal.answer_due_at > moment:
            raise Conflict(f"appeal {appeal_id} awaits the rights holder's answer until "
                           f"{format_rfc3339(appeal.answer_due_at)}")
    elif appeal.status != "awaiting_decision":
        raise Conflict(f"appeal {appeal_id} was already decided ({appeal.status})")
    statement = enforcement.get_statement(session, statement_id=appeal.statement_id)
    item = session.get(NoticeItem, appeal.notice_item_id) if appeal.notice_item_id else None
    _refuse_original_decider(session, actor, appeal, statement.id, item)
    if outcome == "reinstate":
        if statement.status == "active":
            enforcement.remove_strikes(session, actor=actor, statement_id=statement.id,
                                       reason=f"appeal {appeal.id} granted", now=moment,
                                       settings=settings.enforcement)
            _lift(session, actor, statement.id, statement.scope, f"appeal {appeal.id}: {reason}",
                  moment)
        appeal.status = "granted"
        if item is not None and appeal.brand_id is not None:
            item.status, item.final_at = "reinstated", moment
            goodfaith.count_overturned(session, brand_id=appeal.brand_id, now=moment,
                                       settings=settings)
    else:
        appeal.status = "rejected"
        if item is not None:
            item.status, item.final_at = "upheld", moment
    appeal.decided_at, appeal.decided_by, appeal.decision_reason = moment, actor.actor, reason
    audit.record(session, actor=actor.actor, action="appeal.decide", object_type="appeal",
                 object_id=appeal.id, reason=reason, after={"status": appeal.status})
    _notice_event(session, appeal, "appeal_decided", actor.actor, moment,
                  {"appeal_id": appeal.id, "outcome": outcome}, reason)
    if appeal.notice_id:
        notice = session.get(Notice, appeal.notice_id)
        if notice is not None:
            settle(session, notice=notice, now=moment)
    return appeal


def _refuse_original_decider(session: Session, actor: Principal, appeal: Appeal,
                             statement_id: str, item: NoticeItem | None) -> None:
    """Refuse an appeal decision by the person who took the decision it contests."""
    deciders = [enforcement.issued_by(session, statement_id=statement_id)]
    if item is not None:
        deciders.append(item.decided_by)
    if any(same_person(decider, actor) for decider in deciders):
        raise Forbidden(
            f"you took the decision appeal {appeal.id} contests (statement {statement_id}); "
            "the statement of reasons promises the seller that someone who did not take it "
            "reviews the appeal, so another reviewer must decide it"
        )


def _lift(session: Session, actor: Principal, statement_id: str, scope: str, reason: str,
          now: datetime) -> None:
    statement = enforcement.get_statement(session, statement_id=statement_id)
    if statement.status != "active":
        return  # already lifted (e.g. the store reopened when its strike went)
    if scope == "listing":
        enforcement.reinstate_listing(session, actor=actor, statement_id=statement_id,
                                      reason=reason, now=now)
    elif scope == "store":
        enforcement.reopen_store(session, actor=actor, statement_id=statement_id, reason=reason,
                                 now=now)
    else:
        enforcement.lift_suspension(session, actor=actor, statement_id=statement_id,
                                    reason=reason, now=now)


def appeals_query(principal: Principal, *, status: str | None) -> Any:
    """The appeals a principal may page through."""
    stmt = select(Appeal)
    if principal.role is Role.seller:
        stmt = stmt.where(Appeal.seller_id == principal.seller_id)
    elif principal.role is Role.rights_holder:
        stmt = stmt.where(Appeal.brand_id == principal.brand_id)
    elif principal.role not in (Role.reviewer, Role.platform_admin):
        stmt = stmt.where(Appeal.id.is_(None))
    if status is not None:
        if status not in APPEAL_STATUSES:
            raise InvalidInput(f"status must be one of {', '.join(APPEAL_STATUSES)}")
        stmt = stmt.where(Appeal.status == status)
    return stmt


def figures(session: Session, *, start: datetime, end: datetime) -> dict[str, int]:
    """Appeals filed in [start, end), and appeals decided in it by outcome."""
    filed = session.scalar(
        select(func.count()).where(Appeal.filed_at >= start, Appeal.filed_at < end)
    )
    decided = dict(session.execute(
        select(Appeal.status, func.count())
        .where(Appeal.decided_at >= start, Appeal.decided_at < end)
        .group_by(Appeal.status)
    ).all())
    return {"filed": int(filed or 0), "granted": int(decided.get("granted", 0)),
            "rejected": int(decided.get("rejected", 0))}


__all__ = ["answer_appeal", "appeals_query", "decide_appeal", "figures",
           "file_appeal", "visible_appeal"]
