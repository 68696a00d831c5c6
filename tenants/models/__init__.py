"""Platform-wide (public schema) models: users, tenants, their domains and memberships.

One module per aggregate; every model (and the upload-path functions the
migrations name as `tenants.models.…`) is importable from here, as before.
"""

# In the order the models were declared before the split (the app registry's
# order, which get_models() and anything iterating it see).
# isort: off
from .users import User, UserManager
from .tenants import Domain, LiveTenantManager, Tenant
from .memberships import Invitation, LoginHandoff, Membership
from .verification import VerificationRequest, verification_letter_path
from .platform_log import ChainAnchor, PlatformEvent
from .archives import TenantArchive, tenant_archive_path
from .setup_steps import SetupStepSkip
from .notifications import Notification

# isort: on

__all__ = [
    "ChainAnchor",
    "Domain",
    "Invitation",
    "LiveTenantManager",
    "LoginHandoff",
    "Membership",
    "Notification",
    "PlatformEvent",
    "SetupStepSkip",
    "Tenant",
    "TenantArchive",
    "User",
    "UserManager",
    "VerificationRequest",
    "tenant_archive_path",
    "verification_letter_path",
]
