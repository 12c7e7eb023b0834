"""Who may read catalog data; tenant scope (own seller) is enforced by the service."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from marketguard.auth.deps import allow
from marketguard.auth.roles import Principal, Role

CatalogRead = Annotated[
    Principal,
    Depends(allow(Role.seller, Role.reviewer, Role.platform_admin, Role.analyst)),
]
