"""Who may read reports: the transparency report is public (aggregates only, no tenant data)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from marketguard.auth.deps import public

PublicReport = Annotated[None, Depends(public())]
