"""API tokens.

Why: the secret is shown once and only its SHA-256 is stored, so a database leak
does not hand out working credentials; expiry and revocation are columns so an
operator can cut access without a deploy.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from marketguard.dataguard.classification import SECURITY, Category, Level, classified, owned_by
from marketguard.db import Base, UTCDateTime

# How each column is classified (docs/data-protection.md).
_TOKEN = classified(Level.internal, Category.corporate, "authenticate API callers")
_HOLDER = classified(Level.confidential, Category.personal, "name the person a token speaks for")
_SCOPE = classified(Level.internal, Category.business, "limit a token to one tenant")
_SECRET = classified(Level.secret, Category.corporate, "verify a bearer secret")


class ApiToken(Base):
    __tablename__ = "api_tokens"
    __table_args__ = {"info": owned_by(SECURITY)}

    id: Mapped[str] = mapped_column(String(40), primary_key=True, info=_TOKEN)
    name: Mapped[str] = mapped_column(String(200), info=_HOLDER)
    role: Mapped[str] = mapped_column(String(40), info=_TOKEN)
    brand_id: Mapped[str | None] = mapped_column(String(40), index=True, info=_SCOPE)
    seller_id: Mapped[str | None] = mapped_column(String(100), index=True, info=_SCOPE)
    dataset: Mapped[str | None] = mapped_column(String(100), info=_SCOPE)  # data_owner only
    secret_hash: Mapped[str] = mapped_column(String(64), info=_SECRET)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, info=_TOKEN)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=_TOKEN)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, info=_TOKEN)
