"""Who may call the gate, read decisions and work the review queue."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from marketguard.auth.deps import allow
from marketguard.auth.roles import Principal, Role

GateCheck = Annotated[Principal, Depends(allow(Role.integration, Role.platform_admin))]
DecisionsRead = Annotated[
    Principal, Depends(allow(Role.seller, Role.reviewer, Role.platform_admin, Role.analyst))
]
ReviewWork = Annotated[Principal, Depends(allow(Role.reviewer, Role.platform_admin))]
