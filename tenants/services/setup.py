"""Getting started: skipping and resuming set-up steps."""

from __future__ import annotations

from ..access import access_tenant_admin
from ..models import SetupStepSkip, Tenant, User

# --- getting started -------------------------------------------------------------------


def setup_step_skip(*, actor: User, tenant: Tenant, scope: str, step: str) -> None:
    """An administrator skips a getting-started step ("not now"): it leaves the
    to-do list; the set-up page still shows it, with a way back."""
    access_tenant_admin(actor, tenant)
    SetupStepSkip.objects.get_or_create(
        tenant=tenant, scope=scope, step=step, defaults={"skipped_by": actor}
    )


def setup_step_resume(*, actor: User, tenant: Tenant, scope: str, step: str) -> None:
    """Undo a skip: the step is back on the to-do list until it is done."""
    access_tenant_admin(actor, tenant)
    SetupStepSkip.objects.filter(tenant=tenant, scope=scope, step=step).delete()
