"""Every write to tenants, memberships and invitations goes through these functions."""

from __future__ import annotations

from .common import (
    CHANGE_PERMISSION,
    DELETE_PERMISSION,
    REASON_MAX,
)
from .handoff import (
    HANDOFF_MAX_AGE,
    HANDOFF_SALT,
    handoff_create,
    handoff_peek,
    handoff_redeem,
)
from .invitations import (
    INVITATION_SALT,
    INVITATIONS_PER_DAY,
    invitation_accept,
    invitation_create,
    invitation_from_token,
    invitation_problem,
    invitation_resend,
    invitation_revoke,
    invitation_signup,
    invitation_token,
)
from .memberships import (
    membership_change_role,
    membership_remove,
    membership_set_app_roles,
)
from .profile import (
    IDENTITY_FIELDS,
    PROFILE_FIELDS,
    profile_fields_for,
    tenant_profile_update,
    tenant_save,
    tenant_set_mfa_required,
    user_set_language,
)
from .provisioning import (
    DUPLICATE_SCHEMA,
    PLATFORM_SLUG,
    platform_ensure,
    region_taken,
    region_taken_error,
    tenant_delete,
    tenant_disable,
    tenant_enable,
    tenant_provision,
)
from .setup import (
    setup_step_resume,
    setup_step_skip,
)
from .verification import (
    NOTE_MAX,
    _notify_operators,
    tenant_refuse_verification,
    tenant_unverify,
    tenant_verify,
    verification_operators,
    verification_request_create,
)

__all__ = [
    "CHANGE_PERMISSION",
    "DELETE_PERMISSION",
    "DUPLICATE_SCHEMA",
    "HANDOFF_MAX_AGE",
    "HANDOFF_SALT",
    "IDENTITY_FIELDS",
    "INVITATIONS_PER_DAY",
    "INVITATION_SALT",
    "NOTE_MAX",
    "PLATFORM_SLUG",
    "PROFILE_FIELDS",
    "REASON_MAX",
    "_notify_operators",
    "handoff_create",
    "handoff_peek",
    "handoff_redeem",
    "invitation_accept",
    "invitation_create",
    "invitation_from_token",
    "invitation_problem",
    "invitation_resend",
    "invitation_revoke",
    "invitation_signup",
    "invitation_token",
    "membership_change_role",
    "membership_remove",
    "membership_set_app_roles",
    "platform_ensure",
    "profile_fields_for",
    "region_taken",
    "region_taken_error",
    "setup_step_resume",
    "setup_step_skip",
    "tenant_delete",
    "tenant_disable",
    "tenant_enable",
    "tenant_profile_update",
    "tenant_provision",
    "tenant_refuse_verification",
    "tenant_save",
    "tenant_set_mfa_required",
    "tenant_unverify",
    "tenant_verify",
    "user_set_language",
    "verification_operators",
    "verification_request_create",
]
