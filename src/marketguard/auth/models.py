"""API tokens.

Why: the secret is shown once and only its SHA-256 is stored, so a database leak
does not hand out working credentials; expiry and revocation are columns so an
operator can cut access without a deploy.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from marketguard.db import Base, UTCDateTime


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40))
    brand_id: Mapped[str | None] = mapped_column(String(40), index=True)
    seller_id: Mapped[str | None] = mapped_column(String(100), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
