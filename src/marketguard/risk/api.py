"""Risk routes: decide events, manage rule-set versions, read the shadow report."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from marketguard.api.deps import SessionDep
from marketguard.auth.deps import allow, allow_cached
from marketguard.auth.roles import Principal, Role
from marketguard.errors import InvalidInput
from marketguard.risk import rulesets
from marketguard.risk.live import live_rules
from marketguard.risk.models import RuleSetVersion

MAX_BATCH = 10_000

router = APIRouter(prefix="/risk", tags=["risk"])

RiskDecide = Annotated[
    Principal, Depends(allow_cached(Role.integration, Role.analyst, Role.platform_admin))
]
RiskAuthor = Annotated[Principal, Depends(allow(Role.analyst, Role.platform_admin))]
RiskRead = Annotated[Principal, Depends(allow(Role.analyst, Role.platform_admin, Role.auditor))]


class DecisionsRead(BaseModel):
    """Decisions for a batch, in input order, and the rule-set version that made them."""

    rules_version: str = Field(description="content hash of the active rules file")
    decisions: list[dict[str, Any]] = Field(
        description="one per event, exactly the JSONL decision format (FORMATS §5); an "
        "invalid or late event gets {event_id, line, error} with line = position in the batch"
    )


class RuleSetCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    source: str = Field(min_length=1, max_length=1_000_000, description="the rules file (YAML)")


class RuleSetRead(BaseModel):
    version: str
    name: str
    state: str
    uploaded_by: str
    uploaded_at: datetime
    state_changed_at: datetime | None


class RuleSetState(BaseModel):
    state: Literal["active", "shadow", "retired"]
    reason: str = ""


class ShadowRead(BaseModel):
    active_version: str
    shadow_version: str
    events: int
    disagreements: int
    stricter: int
    looser: int


def _read(row: RuleSetVersion) -> RuleSetRead:
    return RuleSetRead.model_validate(row, from_attributes=True)


_EVENTS_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "description": "one event object, or a list of events decided in order "
                "(FORMATS §4)",
                "oneOf": [
                    {"type": "object", "additionalProperties": True},
                    {"type": "array", "items": {}, "maxItems": MAX_BATCH},
                ],
            }
        }
    },
}


@router.post(
    "/decisions", response_model=DecisionsRead, openapi_extra={"requestBody": _EVENTS_BODY}
)
async def post_decisions(request: Request, principal: RiskDecide) -> Response:
    """Decide one event or a batch with the active rules; engine state persists across calls.

    The hot path: no unit of work per request (see ``marketguard.risk.live``),
    the body parsed and the answer written with orjson.
    """
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"the body is not JSON: {exc}") from None
    if isinstance(body, dict):
        events: list[Any] = [body]
    elif isinstance(body, list):
        events = body
    else:
        raise InvalidInput("send one event (a JSON object) or a list of events")
    if len(events) > MAX_BATCH:
        raise InvalidInput(f"a batch holds at most {MAX_BATCH} events; this one has {len(events)}")
    version, decisions = await live_rules(request.app.state).decide(events)
    answer = {"rules_version": version, "decisions": decisions}
    return Response(orjson.dumps(answer), media_type="application/json")


@router.post("/rulesets", response_model=RuleSetRead, status_code=201)
def upload_ruleset(body: RuleSetCreate, principal: RiskAuthor, session: SessionDep) -> RuleSetRead:
    """Validate and store a rules file as a draft; a bad file gets every problem listed."""
    return _read(rulesets.upload(session, actor=principal, name=body.name, source=body.source))


@router.get("/rulesets", response_model=list[RuleSetRead])
def list_rulesets(principal: RiskRead, session: SessionDep) -> list[RuleSetRead]:
    """Every stored version, newest first."""
    return [_read(row) for row in rulesets.versions(session)]


@router.post("/rulesets/{version}/state", response_model=RuleSetRead)
def set_ruleset_state(
    version: str, body: RuleSetState, principal: RiskAuthor, session: SessionDep
) -> RuleSetRead:
    """Activate a version (the old one retires), run it in shadow, or retire it."""
    row = rulesets.set_state(
        session, actor=principal, version=version, state=body.state, reason=body.reason
    )
    return _read(row)


@router.get("/shadow-report", response_model=list[ShadowRead])
def shadow_report(
    request: Request, principal: RiskRead, session: SessionDep
) -> list[ShadowRead]:
    """How often each shadow version disagreed with the active one."""
    live_rules(request.app.state).flush()
    return [
        ShadowRead.model_validate(r, from_attributes=True) for r in rulesets.shadow_report(session)
    ]
