"""Who may see and change catalog rows: the catalog's one access module.

Actor-based checks (`access_catalog_admin`, `access_agreement_party`) are what
services call with `actor=`; the request-based ones below are what tenant
views call, and answer 404 for another organisation's rows. Operator actions
go through tenants.access.access_operator (Django permissions).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from tenants.access import access_tenant, access_tenant_admin

from .models import Adoption, Agreement, CatalogApp


def access_catalog_admin(actor, tenant):
    """The actor's membership when they administer `tenant`; PermissionDenied
    otherwise. `actor=None` is the platform's own command line (operators with
    shell access: import_publiccode, end_lapsed_adoptions)."""
    if actor is None:
        return None
    return access_tenant_admin(
        actor,
        tenant,
        message=_("Only administrators of %(tenant)s may do this.") % {"tenant": tenant},
    )


def access_agreement_party(actor, tenant):
    """An administrator of a verified organisation: only they record or confirm
    agreements (what an unverified organisation does is never public)."""
    membership = access_catalog_admin(actor, tenant)
    if not tenant.is_verified:
        raise PermissionDenied(
            _(
                "Only verified organisations can record or confirm agreements. The platform team verifies new organisations."
            )
        )
    return membership


def access_adoption(request, adoption_id: int) -> Adoption:
    """An adoption in which request.tenant is the adopter or the publisher; 404 otherwise."""
    access_tenant(request)
    tenant = request.tenant
    adoption = (
        Adoption.objects.filter(
            Q(adopter=tenant) | Q(app__publisher=tenant), pk=adoption_id
        )
        .select_related(
            "app__publisher", "adopter", "agreement", "release", "requested_by"
        )
        .first()
    )
    if adoption is None:
        raise Http404(_("No such adoption for this organisation."))
    return adoption


def access_own_app(request, slug: str) -> CatalogApp:
    """A catalog entry that request.tenant publishes; 404 for anybody else's."""
    access_tenant(request)
    app = CatalogApp.objects.filter(publisher=request.tenant, slug=slug).first()
    if app is None:
        raise Http404(_("Your organisation publishes no app with this identifier."))
    return app


def access_agreement(request, agreement_id: int) -> Agreement:
    """An agreement to which request.tenant is a party; 404 otherwise."""
    access_tenant(request)
    tenant = request.tenant
    agreement = (
        Agreement.objects.filter(
            Q(first_party=tenant) | Q(second_party=tenant), pk=agreement_id
        )
        .select_related("first_party", "second_party", "created_by")
        .first()
    )
    if agreement is None:
        raise Http404(_("No such agreement for this organisation."))
    return agreement
