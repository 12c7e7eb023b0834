"""API shapes of the data-protection routes (FORMATS §7)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class CatalogRead(BaseModel):
    dataset: str
    field: str
    level: int = Field(description="1 public, 2 internal, 3 confidential, 4 secret")
    category: Literal["personal", "business", "corporate"]
    owner: str
    purpose: str
    clearances: list[str] = Field(description="Staff roles that read it unmasked without a grant")
    retention: str | None = Field(
        default=None,
        description="ISO 8601 period after which a personal field is erased or anonymised "
        "(null: no period ends it)",
    )
    retention_rule: str | None = Field(
        default=None,
        description="What happens to a personal field and when, or why it is kept",
    )


class RecordRead(BaseModel):
    """One record of a dataset; ``masked`` names the fields shown masked."""

    model_config = ConfigDict(extra="allow")

    masked: list[str]


class AccessRequestCreate(BaseModel):
    dataset: str = Field(min_length=1, max_length=100)
    fields: list[str] = Field(description="Paths inside the dataset, e.g. identifiers.phone")
    purpose: str = Field(description="Why the data is needed; must not be empty")
    duration: str = Field(description="ISO 8601: PT8H, P1D, P14D, P1DT12H")


class ApprovalRead(BaseModel):
    approver: str
    outcome: Literal["approve", "deny"]
    reason: str
    at: datetime


class GrantBrief(BaseModel):
    id: str
    fields: list[str]
    expires_at: datetime


class AccessRequestRead(BaseModel):
    id: str
    status: Literal["pending", "approved", "denied"]
    approvals_required: int
    requester: str
    dataset: str
    fields: list[str]
    level: int
    purpose: str
    duration: str
    created_at: datetime
    decided_at: datetime | None
    approvals: list[ApprovalRead]
    grant: GrantBrief | None = None


class DecisionIn(BaseModel):
    outcome: Literal["approve", "deny"]
    reason: str = Field(default="", max_length=2000)


class GrantRead(BaseModel):
    id: str
    request_id: str
    grantee: str
    dataset: str
    fields: list[str]
    level: int
    purpose: str
    granted_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    revoked_by: str | None
    active: bool


class AccessLogRead(BaseModel):
    id: str
    at: datetime
    actor: str
    dataset: str
    fields: list[str]
    rows: int
    grant_id: str | None
    purpose: str
    kind: Literal["read", "export"]


class AlertRead(BaseModel):
    """A rule matched a read in the access log; the dataset's data owners look."""

    id: str
    at: datetime
    rule: str
    action: Literal["challenge", "review", "block"]
    score: int
    actor: str
    dataset: str
    level: int
    rows: int
    log_id: str
    owners: list[str] = Field(description="Data owners scoped to the dataset, else its team")
    status: Literal["open", "acknowledged"]
    decision: dict[str, Any] = Field(
        description="The engine's decision: rules, shadow_rules, features, rules_version"
    )
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    note: str | None = None


class AlertAcknowledge(BaseModel):
    note: str = Field(default="", max_length=2000, description="What was found, or done")


def record_page_example() -> dict[str, Any]:
    """An example answer of the records route, for the OpenAPI description."""
    return {
        "items": [
            {
                "seller_id": "S-0007",
                "identifiers": {"phone": ["+86*********21"]},
                "masked": ["identifiers.phone"],
            }
        ],
        "next": None,
    }
