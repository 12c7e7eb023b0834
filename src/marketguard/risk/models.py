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

from marketguard.dataguard.classification import RISK, Category, Level, classified, owned_by
from marketguard.db import Base, UTCDateTime

# How each column is classified (docs/data-protection.md).
_RULES = classified(
    Level.confidential, Category.corporate, "decide risk events; kept from fraudsters"
)
_STATS = classified(Level.internal, Category.corporate, "judge a shadow rule set")
_STAFF = classified(Level.internal, Category.personal, "name who uploaded a rule set")

RULESET_STATES = ("draft", "active", "shadow", "retired")


class RuleSetVersion(Base):
    __tablename__ = "risk_rulesets"
    __table_args__ = {"info": owned_by(RISK)}

    version: Mapped[str] = mapped_column(String(64), primary_key=True, info=_RULES)
    name: Mapped[str] = mapped_column(String(200), info=_RULES)
    source: Mapped[str] = mapped_column(Text, info=_RULES)
    state: Mapped[str] = mapped_column(String(10), default="draft", index=True, info=_STATS)
    uploaded_by: Mapped[str] = mapped_column(String(200), info=_STAFF)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, info=_STATS)
    state_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=_STATS)


class ShadowStats(Base):
    """How often a shadow rule set disagreed with the active one, per pair."""

    __tablename__ = "risk_shadow_stats"
    __table_args__ = {"info": owned_by(RISK)}

    active_version: Mapped[str] = mapped_column(String(64), primary_key=True, info=_STATS)
    shadow_version: Mapped[str] = mapped_column(String(64), primary_key=True, info=_STATS)
    events: Mapped[int] = mapped_column(BigInteger, default=0, info=_STATS)
    disagreements: Mapped[int] = mapped_column(BigInteger, default=0, info=_STATS)
    stricter: Mapped[int] = mapped_column(BigInteger, default=0, info=_STATS)
    looser: Mapped[int] = mapped_column(BigInteger, default=0, info=_STATS)
