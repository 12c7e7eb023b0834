"""API shapes of exports, vendors and export approvals (FORMATS §7)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class RecipientIn(BaseModel):
    kind: Literal["employee", "vendor"]
    id: str = Field(min_length=1, max_length=200,
                    description="A staff member's name (employee) or a vendor's id (vendor)")


class ExportCreate(BaseModel):
    dataset: str = Field(min_length=1, max_length=100)
    fields: list[str] = Field(description="Paths inside the dataset, e.g. identifiers.phone")
    format: Literal["csv", "jsonl"] = "csv"
    recipient: RecipientIn
    desensitize: bool = Field(
        default=False, description="Personal fields become keyed pseudonyms (always for vendors)"
    )
    purpose: str | None = Field(
        default=None, max_length=2000,
        description="Why the data leaves; defaults to the purpose of the grants used",
    )
    approval: str | None = Field(
        default=None, max_length=40,
        description="A data owner's second approval (POST /data/export-approvals) for an "
        "export over its level's row cap",
    )


class ExportCreated(BaseModel):
    id: str
    rows: int
    download: str = Field(description="Where the file is fetched: GET this path")
    suppressed: int = Field(description="Rows the k-anonymity check suppressed")
    excluded: int = Field(description="Rows left out: sellers who opted out of sharing")


class ExportRead(BaseModel):
    id: str
    dataset: str
    fields: list[str]
    format: str
    recipient: dict[str, str]
    exporter: str
    purpose: str
    created_at: datetime
    rows: int
    desensitized: bool
    suppressed: int
    excluded: int
    sha256: str
    grant_ids: list[str]
    approval_id: str | None
    vendor_key_id: str | None
    age_recipient: str | None
    download: str


class VendorCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    age_recipient: str = Field(max_length=200, description="The vendor's age public key, age1…")


class VendorKeyIn(BaseModel):
    age_recipient: str = Field(max_length=200, description="The new age public key, age1…")
    reason: str = Field(default="", max_length=2000)


class VendorKeyRead(BaseModel):
    id: str
    age_recipient: str
    added_at: datetime
    added_by: str
    retired_at: datetime | None


class VendorCreated(BaseModel):
    id: str


class VendorRead(BaseModel):
    id: str
    name: str
    created_at: datetime
    age_recipient: str = Field(description="The current key hand-overs are encrypted to")
    key_id: str
    keys: list[VendorKeyRead] = Field(description="Every key it has held, oldest first")


class ApprovalCreate(BaseModel):
    dataset: str = Field(min_length=1, max_length=100)
    fields: list[str]
    rows: int = Field(description="The most rows the export may hold")
    purpose: str = Field(max_length=2000)


class ApprovalDecision(BaseModel):
    outcome: Literal["approve", "deny"]
    reason: str = Field(default="", max_length=2000)


class ApprovalRead(BaseModel):
    id: str
    requester: str
    dataset: str
    fields: list[str]
    rows: int
    purpose: str
    status: Literal["pending", "approved", "denied", "used"]
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    reason: str
    export_id: str | None
