"""Who may call the data-protection routes; ownership and scope are checked by the services."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from marketguard.auth.deps import allow, allow_logged_read
from marketguard.auth.roles import Principal, Role
from marketguard.dataguard.access import STAFF, preload_live_grants

DataStaff = Annotated[Principal, Depends(allow(*STAFF))]
# The masked-records route authenticates in its own logged unit of work, fetching the
# caller's live grants with the token.
DataStaffLoggedRead = Annotated[
    Principal, Depends(allow_logged_read(*STAFF, preload=preload_live_grants))
]
DataDecide = Annotated[Principal, Depends(allow(Role.data_owner))]
DataRevoke = Annotated[Principal, Depends(allow(*STAFF))]  # grantee, data owner, admin: service
DataLogRead = Annotated[Principal, Depends(allow(Role.auditor, Role.data_owner))]
DataAlertsRead = Annotated[
    Principal, Depends(allow(Role.data_owner, Role.auditor, Role.platform_admin))
]
DataAlertsAck = Annotated[Principal, Depends(allow(Role.data_owner))]
