"""Import every domain's tables so ``Base.metadata`` is complete (migrations, tests)."""

from __future__ import annotations

from marketguard.api import models as api_models
from marketguard.audit import models as audit_models
from marketguard.auth import models as auth_models
from marketguard.brands import models as brands_models
from marketguard.catalog import models as catalog_models
from marketguard.dataguard import models as dataguard_models
from marketguard.dataguard.exports import models as exports_models
from marketguard.db import Base
from marketguard.detection import models as detection_models
from marketguard.enforcement import models as enforcement_models
from marketguard.incidents import models as incidents_models
from marketguard.notices import models as notices_models
from marketguard.risk import models as risk_models

__all__ = [
    "Base",
    "api_models",
    "audit_models",
    "auth_models",
    "brands_models",
    "catalog_models",
    "dataguard_models",
    "detection_models",
    "enforcement_models",
    "exports_models",
    "incidents_models",
    "notices_models",
    "risk_models",
]
