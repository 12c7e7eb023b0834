"""Risk rule-set versions and shadow statistics.

Why: analysts ship rules the way engineers ship code — every version is kept
with its exact text, exactly one is active, a candidate can run in shadow beside
it, and every decision names the version that made it, so a decision can be
replayed and a change can be judged by its disagreements before it acts.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from marketguard.db import Base, UTCDateTime

RULESET_STATES = ("draft", "active", "shadow", "retired")


class RuleSetVersion(Base):
    __tablename__ = "risk_rulesets"

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default="draft", index=True)
    uploaded_by: Mapped[str] = mapped_column(String(200))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ShadowStats(Base):
    """How often a shadow rule set disagreed with the active one, per pair."""

    __tablename__ = "risk_shadow_stats"

    active_version: Mapped[str] = mapped_column(String(64), primary_key=True)
    shadow_version: Mapped[str] = mapped_column(String(64), primary_key=True)
    events: Mapped[int] = mapped_column(BigInteger, default=0)
    disagreements: Mapped[int] = mapped_column(BigInteger, default=0)
    stricter: Mapped[int] = mapped_column(BigInteger, default=0)
    looser: Mapped[int] = mapped_column(BigInteger, default=0)
