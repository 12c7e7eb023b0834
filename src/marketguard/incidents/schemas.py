"""API shapes of incidents (FORMATS §8)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from marketguard.incidents.scope import Scope

Status = Literal["open", "mitigated", "resolved", "closed"]


class IncidentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=300)
    kind: str = Field(default="manual", description="One of the detector kinds, or manual")
    scope: Scope = Field(default_factory=Scope)
    summary: str = Field(default="", max_length=10_000)


class IncidentPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["mitigated", "resolved", "closed"] | None = Field(
        default=None, description="Only forward: open → mitigated → resolved → closed"
    )
    commander: str | None = Field(default=None, max_length=200)
    scope: Scope | None = None
    note: str | None = Field(default=None, max_length=10_000)


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(min_length=1, max_length=10_000)


class IncidentRead(BaseModel):
    id: str
    kind: str
    subject: str
    title: str
    status: Status
    damage: float = Field(description="From the scope by the damage model (docs/incidents.md)")
    severity: Literal["SEV1", "SEV2", "SEV3", "SEV4"]
    scope: dict[str, Any]
    commander: str | None
    opened_at: datetime
    updated_at: datetime


class EventRead(BaseModel):
    at: datetime
    actor: str
    kind: str = Field(description="opened, signal, status, scope, severity, commander or note")
    text: str
    detail: dict[str, Any]


class DamageRead(BaseModel):
    total: float
    parts: dict[str, float] = Field(description="Each scope field's share of the damage")
    notes: list[str]


class IncidentDetail(IncidentRead):
    summary: str
    opened_by: str
    mitigated_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    damage_breakdown: DamageRead
    timeline: list[EventRead]
