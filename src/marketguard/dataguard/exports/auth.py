"""Who may call the export and vendor routes; ownership and scope are checked by the services."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from marketguard.auth.deps import allow
from marketguard.auth.roles import Principal, Role
from marketguard.dataguard.access import STAFF

ExportsCreate = Annotated[Principal, Depends(allow(*STAFF))]
ExportsList = Annotated[
    Principal, Depends(allow(Role.auditor, Role.data_owner, Role.platform_admin))
]
ExportRead = Annotated[Principal, Depends(allow(*STAFF))]  # own, or the roles above: service
ExportFile = Annotated[Principal, Depends(allow(*STAFF, Role.vendor))]  # exporter/admin/vendor
VendorsAdd = Annotated[Principal, Depends(allow(Role.platform_admin))]
VendorsRead = Annotated[Principal, Depends(allow(*STAFF, Role.vendor))]  # a vendor: itself
VendorsRotate = Annotated[Principal, Depends(allow(Role.platform_admin, Role.vendor))]
ApprovalsAsk = Annotated[Principal, Depends(allow(*STAFF))]
ApprovalsDecide = Annotated[Principal, Depends(allow(Role.data_owner))]
