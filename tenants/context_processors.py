from django.conf import settings
from django.utils.functional import SimpleLazyObject

from . import hosted, todos
from .access import VERIFY_PERMISSION, is_operator, request_membership
from .notifications import unread_count


def platform(request):
    tenant = getattr(request, "tenant", None)
    on_tenant = tenant is not None and not tenant.is_platform
    return {
        "current_tenant": tenant if on_tenant else None,
        "on_platform": not on_tenant,
        "current_membership": request_membership(request) if on_tenant else None,
        "base_domain": settings.BASE_DOMAIN,
        # Platform operators see the verification desk, with its queue length, in the menu.
        "desk_count": _desk_count(request) if not on_tenant else None,
        # The header's unread badge (tenants/notifications.py); lazy like the menu.
        "notifications_unread": SimpleLazyObject(
            lambda: unread_count(request.user, tenant if on_tenant else None)
        )
        if getattr(getattr(request, "user", None), "is_authenticated", False)
        else 0,
        # The menu entries of the hosted apps switched on here (tenants/hosted.py);
        # lazy: a page that shows no menu asks nothing.
        "module_menu": SimpleLazyObject(lambda: hosted.enabled_apps(request))
        if on_tenant
        else (),
        # The header's to-do counter (tenants/todos.py; cached per member):
        # called by the template only where it shows it.
        "todo_count": lambda: todos.todo_count(request),
    }


def _desk_count(request) -> int | None:
    if not is_operator(getattr(request, "user", None), VERIFY_PERMISSION):
        return None
    from .selectors import pending_verification_count

    return pending_verification_count()
