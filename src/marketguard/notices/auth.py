"""Who may call the notice-and-takedown routes; tenant scope is applied by the services."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from marketguard.auth.deps import allow, allow_logged_read
from marketguard.auth.roles import Principal, Role

NoticesFile = Annotated[Principal, Depends(allow(Role.rights_holder))]
NoticesRead = Annotated[
    Principal, Depends(allow(Role.rights_holder, Role.reviewer, Role.platform_admin))
]
# Notice reads that show notifiers' contacts are logged; they authenticate in that unit of work.
NoticesReadLogged = Annotated[
    Principal,
    Depends(allow_logged_read(Role.rights_holder, Role.reviewer, Role.platform_admin)),
]
NoticesDecide = Annotated[Principal, Depends(allow(Role.reviewer, Role.platform_admin))]
AppealsFile = Annotated[Principal, Depends(allow(Role.seller))]
AppealsRead = Annotated[
    Principal,
    Depends(allow(Role.seller, Role.rights_holder, Role.reviewer, Role.platform_admin)),
]
AppealsAnswer = Annotated[Principal, Depends(allow(Role.rights_holder))]
TestBuysWrite = Annotated[
    Principal, Depends(allow(Role.rights_holder, Role.reviewer, Role.platform_admin))
]
WebhooksManage = Annotated[Principal, Depends(allow(Role.rights_holder))]
