"""Incidents and their timelines.

``open_key`` is ``kind:subject`` while an incident is open or mitigated and NULL
once it is resolved: a unique constraint on it makes "one open incident per
kind and subject" hold even when two detectors race, on SQLite and PostgreSQL
alike (NULLs never collide).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from marketguard.dataguard.classification import SECURITY, Category, Level, classified, owned_by
from marketguard.db import Base, JSONType, UTCDateTime

_INCIDENT = classified(Level.internal, Category.corporate, "run the response to an incident")
# Staff working identities in an internal record (not customer data): level 2.
_PEOPLE = classified(Level.internal, Category.corporate, "name who responded, for the postmortem")


class Incident(Base):
    __tablename__ = "incidents"
    __table_args__ = {"info": owned_by(SECURITY)}

    id: Mapped[str] = mapped_column(String(40), primary_key=True, info=_INCIDENT)
    kind: Mapped[str] = mapped_column(String(40), index=True, info=_INCIDENT)
    subject: Mapped[str] = mapped_column(String(200), info=_INCIDENT)
    open_key: Mapped[str | None] = mapped_column(String(250), unique=True, info=_INCIDENT)
    title: Mapped[str] = mapped_column(String(300), info=_INCIDENT)
    summary: Mapped[str] = mapped_column(Text, info=_INCIDENT)
    status: Mapped[str] = mapped_column(String(12), index=True, info=_INCIDENT)
    scope: Mapped[dict[str, Any]] = mapped_column(JSONType, info=_INCIDENT)
    damage: Mapped[float] = mapped_column(Float, index=True, info=_INCIDENT)
    severity: Mapped[str] = mapped_column(String(4), info=_INCIDENT)
    commander: Mapped[str | None] = mapped_column(String(200), info=_PEOPLE)
    opened_by: Mapped[str] = mapped_column(String(200), info=_PEOPLE)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, info=_INCIDENT)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, info=_INCIDENT)
    mitigated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=_INCIDENT)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=_INCIDENT)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=_INCIDENT)


class IncidentEvent(Base):
    """One line of an incident's timeline: a change, a note or a signal, with who and when."""

    __tablename__ = "incident_events"
    __table_args__ = {"info": owned_by(SECURITY)}

    id: Mapped[str] = mapped_column(String(40), primary_key=True, info=_INCIDENT)
    incident_id: Mapped[str] = mapped_column(
        ForeignKey("incidents.id"), index=True, info=_INCIDENT
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, info=_INCIDENT)
    actor: Mapped[str] = mapped_column(String(200), info=_PEOPLE)
    kind: Mapped[str] = mapped_column(String(20), info=_INCIDENT)  # opened|status|scope|...
    text: Mapped[str] = mapped_column(Text, info=_INCIDENT)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, info=_INCIDENT)
