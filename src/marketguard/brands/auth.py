"""Who may read and change brand knowledge."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from marketguard.auth.deps import allow
from marketguard.auth.roles import Principal, Role

BrandsRead = Annotated[
    Principal, Depends(allow(Role.rights_holder, Role.reviewer, Role.platform_admin))
]
RightsVerify = Annotated[Principal, Depends(allow(Role.platform_admin))]
BrandsManage = Annotated[Principal, Depends(allow(Role.rights_holder, Role.platform_admin))]
