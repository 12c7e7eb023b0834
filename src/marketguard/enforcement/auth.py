"""Who may read statements and strikes, and who may restrict; scope is in the services."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from marketguard.auth.deps import allow
from marketguard.auth.roles import Principal, Role

EnforcementRead = Annotated[
    Principal,
    Depends(allow(Role.seller, Role.reviewer, Role.platform_admin, Role.auditor)),
]
EnforcementAct = Annotated[Principal, Depends(allow(Role.reviewer, Role.platform_admin))]
