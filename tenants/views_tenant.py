"""Views on a tenant's own host (SLUG.<BASE_DOMAIN> or a custom domain)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.pagecache import public_page
from core.todo import grouped

from . import hooks, hosted, selectors, services, todos
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
    VerificationRequestForm,
    add_service_errors,
)
from .hosts import platform_url
from .models import Membership, User
from .selectors import clean_param

LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _form_errors_to_messages(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@public_page
def home(request):
    """The tenant's public page: who they are, whether the platform verified them
    (when and by whom, from the platform's transparency log)."""
    return render(
        request,
        "tenants/home.html",
        {
            "tenant": request.tenant,
            "verified_event": selectors.tenant_verified_event(request.tenant),
            "transparency_url": platform_url("/transparency/", request),
        },
    )


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
    """The member's dashboard: their to-do list (tenants/todos.py), the kernel's
    own boxes, then what the platform services (tenants/hooks.py) and the
    hosted apps switched on here (tenants/hosted.py) add."""
    tenant = request.tenant
    todos.todo_count(request)  # before the items: a fresh count is kept for the header
    return render(
        request,
        "tenants/dashboard.html",
        {
            "tenant": tenant,
            "todo_groups": grouped(todos.todo_items(request)),
            "today": timezone.localdate(),
            "checklist": selectors.dashboard_checklist(request)
            if todos.may_set_up(request)
            else None,
            "after_activation": _no_roles_hint(request),
            "panels": [
                panel for panel in hooks.run("dashboard_panel", request) if panel
            ],
            "tiles": selectors.hosted_tiles(request),
            "welcome": request.GET.get("welcome") == "1",
            "member_count": selectors.tenant_members(tenant).count(),
            "verification_pending": selectors.verification_pending(tenant),
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


@member_required()
def verification(request):
    """Members see where the organisation's verification stands; administrators ask for it."""
    tenant = request.tenant
    can_ask = request.membership.role in MANAGE_ROLES
    requests = list(selectors.tenant_verification_requests(tenant))
    pending = next((r for r in requests if r.is_pending), None)
    may_ask = can_ask and not tenant.is_verified and pending is None
    form = VerificationRequestForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not can_ask:
            raise PermissionDenied(_("Only administrators may ask for verification."))
        if form.is_valid():
            try:
                services.verification_request_create(
                    actor=request.user,
                    tenant=tenant,
                    letter=form.cleaned_data["letter"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "Your request was sent to the platform operators. You will get an e-mail with their answer."
                    ),
                )
                return redirect("tenant_verification")
    return render(
        request,
        "tenants/verification.html",
        {
            "tenant": tenant,
            "requests": requests,
            "pending": pending,
            "form": form if may_ask or request.method == "POST" else None,
        },
        status=400 if request.method == "POST" else 200,
    )


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
    can_manage = request.membership.role in MANAGE_ROLES
    can_see_invitations = request.membership.role in {
        Membership.Role.ADMIN,
        Membership.Role.AUDITOR,
    }
    members = list(selectors.tenant_members(tenant))
    # The roles each hosted app switched on here defines, and who holds them.
    role_apps = [app for app in hosted.enabled_apps(request) if app.roles is not None]
    if can_manage and role_apps:
        held = hosted.roles_held(tenant, [m.user_id for m in members])
        for member in members:
            member.app_roles = [
                {
                    "app": app,
                    "choices": app.roles.choices(),
                    "held": held[app.key].get(member.user_id, frozenset()),
                }
                for app in role_apps
            ]
    return render(
        request,
        "tenants/members.html",
        {
            "members": members,
            "invitations": selectors.pending_invitations(tenant)
            if can_see_invitations
            else None,
            "can_manage": can_manage,
            "role_choices": Membership.Role.choices,
        },
    )


@member_required(roles=MANAGE_ROLES)
def member_invite(request):
    # A set-up step's shortcut may preselect the role (?role=staff).
    role = clean_param(request.GET.get("role", ""), 20)
    form = InvitationForm(
        request.POST or None,
        initial={"role": role} if role in Membership.Role.values else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(
                actor=request.user,
                tenant=request.tenant,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
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
def member_app_roles(request, membership_id, app_key):
    """An administrator sets which roles of a hosted app a member holds."""
    membership = access_membership(request, membership_id)
    app = hosted.get(app_key)
    if app is None or app.key not in hosted.enabled_for_request(request):
        raise Http404(_("This organisation does not use that app."))
    try:
        services.membership_set_app_roles(
            actor=request.user,
            membership=membership,
            app_key=app.key,
            roles=[r[:30] for r in request.POST.getlist("roles")][:20],
        )
    except ValidationError as exc:
        _form_errors_to_messages(request, exc)
    else:
        messages.success(
            request,
            _("The %(app)s roles of %(who)s were saved.")
            % {"app": app.label, "who": membership.user},
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
            if not hooks.is_limit(exc):
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


def _no_roles_hint(request) -> list:
    """Apps switched on here in which a staff member holds no role yet: the
    dashboard says who gives roles instead of leaving them in an empty workspace."""
    membership = request.membership
    if membership.is_admin or membership.role != Membership.Role.STAFF:
        return []
    apps = [app for app in hosted.enabled_apps(request) if app.roles is not None]
    if not apps:
        return []
    with hosted.in_schema(request.tenant):
        return [
            app
            for app in apps
            if not app.roles.held([request.user.pk]).get(request.user.pk)
        ]


def _setup_scope(request, scope: str) -> dict | None:
    """The set-up group `scope` names ("" for the organisation's), or None."""
    groups = todos.setup_groups(request, only=scope)
    return groups[0] if groups else None


@member_required(roles=MANAGE_ROLES)
def setup(request, app_key: str = ""):
    """Getting started, for administrators: the organisation's steps, or one
    hosted app's (where they land after switching the app on). Each step links
    to where it is done and can be skipped."""
    if app_key and hosted.get(app_key) is None:
        raise Http404(_("No such app."))
    groups = todos.setup_groups(request, only=None if not app_key else app_key)
    if app_key and not groups:
        raise Http404(_("This app is not switched on here, or has nothing to set up."))
    return render(
        request,
        "tenants/setup.html",
        {
            "groups": groups,
            "app_key": app_key,
            "app": hosted.get(app_key) if app_key else None,
            "welcome": request.GET.get("activated") == "1",
        },
    )


@member_required(roles=MANAGE_ROLES)
@require_POST
def setup_skip(request):
    """Skip a set-up step ("not now"), or take it up again."""
    scope = clean_param(request.POST.get("scope", ""), 50)
    key = clean_param(request.POST.get("step", ""), 50)
    group = _setup_scope(request, scope)
    row = next(
        (r for r in (group or {}).get("steps", ()) if r["step"].key == key), None
    )
    back = f"/dashboard/setup/{scope}/" if scope and group else "/dashboard/setup/"
    if row is None or not row["step"].skippable:
        messages.error(request, _("This step cannot be skipped."))
        return redirect(back)
    if request.POST.get("do") == "resume":
        services.setup_step_resume(
            actor=request.user, tenant=request.tenant, scope=scope, step=key
        )
        messages.success(
            request,
            _("“%(step)s” is back on your to-do list.") % {"step": row["step"].label},
        )
    else:
        services.setup_step_skip(
            actor=request.user, tenant=request.tenant, scope=scope, step=key
        )
        messages.success(
            request,
            _("“%(step)s” was skipped. You can still do it from this page.")
            % {"step": row["step"].label},
        )
    return redirect(back)
