"""Views on a tenant's own host (SLUG.<BASE_DOMAIN> or a custom domain)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.pagecache import public_page

from . import selectors, services
from .access import (
    MANAGE_ROLES,
    access_invitation,
    access_membership,
    member_required,
)
from .forms import (
    InvitationForm,
    InvitationSignupForm,
    RoleForm,
    TenantProfileForm,
    TenantSecurityForm,
    add_service_errors,
)
from .hosts import platform_url, tenant_url
from .models import Membership, User

LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _form_errors_to_messages(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@public_page
def home(request):
    """The tenant's public page: who they are, whether the platform verified them."""
    return render(request, "tenants/home.html", {"tenant": request.tenant})


def handoff(request):
    """Redeem a one-time sign-in ticket issued by the platform host.

    GET only shows whose ticket it is; signing in takes a POST from that page,
    so a ticket sent to somebody else (or fetched by a link scanner) cannot
    sign them in unawares.
    """
    token = request.POST.get("token") or request.GET.get("token", "")
    if request.method != "POST":
        ticket = services.handoff_peek(token=token, tenant=request.tenant)
        if ticket is not None:
            return render(
                request, "tenants/handoff.html", {"ticket": ticket, "token": token}
            )
    else:
        ticket = services.handoff_redeem(token=token, tenant=request.tenant)
    if ticket is None:
        messages.error(
            request, _("That sign-in link is invalid or has expired. Please sign in.")
        )
        return redirect(reverse("account_login"))
    login(request, ticket.user, backend=LOGIN_BACKEND)
    next_path = ticket.next_path
    if not url_has_allowed_host_and_scheme(
        next_path, allowed_hosts={request.get_host()}
    ):
        next_path = "/dashboard/"
    return redirect(next_path)


@member_required()
def dashboard(request):
    from catalog.selectors import apps_in_use

    tenant = request.tenant
    return render(
        request,
        "tenants/dashboard.html",
        {
            "tenant": tenant,
            "checklist": selectors.dashboard_checklist(
                tenant, catalog_url=platform_url("/catalog/", request)
            ),
            "apps_in_use": apps_in_use(tenant),
            "welcome": request.GET.get("welcome") == "1",
            "member_count": selectors.tenant_members(tenant).count(),
        },
    )


@member_required()
def profile(request):
    tenant = request.tenant
    can_edit = request.membership.role in MANAGE_ROLES
    form = (
        TenantProfileForm(request.POST or None, instance=tenant) if can_edit else None
    )
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("Only administrators may edit the profile."))
        if form.is_valid():
            services.tenant_profile_update(
                actor=request.user,
                tenant=tenant,
                **{name: form.cleaned_data[name] for name in form.changed_data},
            )
            messages.success(request, _("The profile was saved."))
            return redirect("tenant_profile")
        # An invalid form must not leave half-edited values on request.tenant.
        tenant.refresh_from_db()
    return render(request, "tenants/profile.html", {"tenant": tenant, "form": form})


@member_required(roles=MANAGE_ROLES)
def security(request):
    """The tenant's two-step sign-in rule, and who it applies to."""
    tenant = request.tenant
    form = TenantSecurityForm(request.POST or None, instance=tenant)
    if request.method == "POST" and form.is_valid():
        services.tenant_set_mfa_required(
            actor=request.user,
            tenant=tenant,
            required=form.cleaned_data["mfa_required"],
        )
        messages.success(request, _("The sign-in rule was saved."))
        return redirect("tenant_security")
    tenant.refresh_from_db()
    return render(
        request,
        "tenants/security.html",
        {"tenant": tenant, "form": form, "enforced": tenant.is_verified},
    )


@member_required(
    roles={Membership.Role.ADMIN, Membership.Role.STAFF, Membership.Role.AUDITOR}
)
def members(request):
    tenant = request.tenant
    from catalog.middleware import enabled_modules
    from grants.roles import GrantRole

    can_manage = request.membership.role in MANAGE_ROLES
    can_see_invitations = request.membership.role in {
        Membership.Role.ADMIN,
        Membership.Role.AUDITOR,
    }
    return render(
        request,
        "tenants/members.html",
        {
            "members": selectors.tenant_members(tenant),
            "invitations": selectors.pending_invitations(tenant)
            if can_see_invitations
            else None,
            "can_manage": can_manage,
            "role_choices": Membership.Role.choices,
            # Sabilulungan's roles, where the tenant uses it.
            "grant_roles": GrantRole.choices
            if "grants" in enabled_modules(request)
            else None,
        },
    )


def _accept_url_for(request):
    return lambda token: tenant_url(
        request.tenant, reverse("invitation_accept", args=[token]), request
    )


@member_required(roles=MANAGE_ROLES)
def member_invite(request):
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(
                actor=request.user,
                tenant=request.tenant,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                accept_url_for=_accept_url_for(request),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("An invitation was sent to %(email)s.") % {"email": invitation.email},
            )
            return redirect("tenant_members")
    return render(
        request,
        "tenants/member_invite.html",
        {"form": form, "max_age_days": settings.INVITATION_MAX_AGE_DAYS},
    )


@member_required(roles=MANAGE_ROLES)
@require_POST
def member_role(request, membership_id):
    membership = access_membership(request, membership_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid role."))
        return redirect("tenant_members")
    try:
        services.membership_change_role(
            actor=request.user, membership=membership, role=form.cleaned_data["role"]
        )
    except ValidationError as exc:
        _form_errors_to_messages(request, exc)
    else:
        messages.success(
            request,
            _("%(who)s is now %(role)s.")
            % {"who": membership.user, "role": membership.get_role_display()},
        )
    return redirect("tenant_members")


@member_required(roles=MANAGE_ROLES)
@require_POST
def member_grant_roles(request, membership_id):
    membership = access_membership(request, membership_id)
    try:
        services.membership_set_grant_roles(
            actor=request.user,
            membership=membership,
            roles=[r[:30] for r in request.POST.getlist("grant_roles")][:20],
        )
    except ValidationError as exc:
        _form_errors_to_messages(request, exc)
    else:
        messages.success(
            request,
            _("The Sabilulungan roles of %(who)s were saved.")
            % {"who": membership.user},
        )
    return redirect("tenant_members")


@member_required(roles=MANAGE_ROLES)
def member_remove(request, membership_id):
    membership = access_membership(request, membership_id)
    if request.method == "POST":
        try:
            services.membership_remove(actor=request.user, membership=membership)
        except ValidationError as exc:
            _form_errors_to_messages(request, exc)
        else:
            messages.success(
                request, _("%(who)s was removed.") % {"who": membership.user}
            )
        return redirect("tenant_members")
    return render(request, "tenants/member_remove.html", {"membership": membership})


@member_required(roles=MANAGE_ROLES)
@require_POST
def invitation_resend(request, invitation_id):
    invitation = access_invitation(request, invitation_id)
    try:
        services.invitation_resend(
            actor=request.user,
            invitation=invitation,
            accept_url_for=_accept_url_for(request),
        )
    except ValidationError as exc:
        _form_errors_to_messages(request, exc)
    else:
        messages.success(
            request,
            _("The invitation was sent again to %(email)s.")
            % {"email": invitation.email},
        )
    return redirect("tenant_members")


@member_required(roles=MANAGE_ROLES)
@require_POST
def invitation_revoke(request, invitation_id):
    invitation = access_invitation(request, invitation_id)
    try:
        services.invitation_revoke(actor=request.user, invitation=invitation)
    except ValidationError as exc:
        _form_errors_to_messages(request, exc)
    else:
        messages.success(
            request,
            _("The invitation to %(email)s was withdrawn.")
            % {"email": invitation.email},
        )
    return redirect("tenant_members")


def invitation_accept(request, token):
    """Anyone holding the link may look; only the addressee may accept."""
    invitation = services.invitation_from_token(token)
    if invitation is not None and invitation.tenant_id != request.tenant.pk:
        invitation = None  # another tenant's invitation does not exist here
    problem = services.invitation_problem(invitation, tenant=request.tenant)
    context = {"invitation": invitation, "problem": problem, "token": token}
    if problem:
        return render(
            request,
            "tenants/invitation_accept.html",
            context,
            status=410 if invitation else 404,
        )

    user = request.user
    if user.is_authenticated:
        if user.email.lower() != invitation.email.lower():
            context["wrong_user"] = True
            return render(
                request, "tenants/invitation_accept.html", context, status=403
            )
        if request.method == "POST":
            try:
                services.invitation_accept(invitation=invitation, user=user)
            except ValidationError as exc:
                context["problem"] = " ".join(exc.messages)
                return render(
                    request, "tenants/invitation_accept.html", context, status=410
                )
            messages.success(
                request, _("Welcome to %(tenant)s.") % {"tenant": request.tenant}
            )
            return redirect("tenant_dashboard")
        return render(request, "tenants/invitation_accept.html", context)

    has_account = User.objects.filter(email__iexact=invitation.email).exists()
    context["has_account"] = has_account
    context["login_url"] = f"{reverse('account_login')}?next={request.path}"
    if has_account:
        return render(request, "tenants/invitation_accept.html", context)

    form = InvitationSignupForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            new_user = services.invitation_signup(
                invitation=invitation,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
            )
        except ValidationError as exc:
            from billing.entitlements import is_plan_limit

            if not is_plan_limit(exc):
                context["problem"] = " ".join(exc.messages)
                return render(
                    request, "tenants/invitation_accept.html", context, status=410
                )
            # The organisation is full: say so on the form, keeping what was typed.
            add_service_errors(form, exc)
            context["form"] = form
            return render(
                request, "tenants/invitation_accept.html", context, status=400
            )
        login(request, new_user, backend=LOGIN_BACKEND)
        messages.success(
            request, _("Welcome to %(tenant)s.") % {"tenant": request.tenant}
        )
        return redirect("tenant_dashboard")
    context["form"] = form
    return render(request, "tenants/invitation_accept.html", context)
