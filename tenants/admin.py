"""The platform operators' tools, in the Django admin on the platform host."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from . import services
from .forms import (
    MfaResetForm,
    OperatorReasonForm,
    TenantAdminForm,
    TenantDeleteForm,
    add_service_errors,
)
from .mfa import mfa_reset
from .models import Domain, Invitation, Membership, Tenant, User


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0
    fields = ["domain", "is_primary"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]


def _admin_login(request, extra_context=None):
    """Operators sign in through allauth's page: one login, with its rate limits."""
    return redirect_to_login(
        request.GET.get("next", "/admin/"), login_url=reverse("account_login")
    )


admin.site.login = _admin_login


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "kind",
        "province",
        "region_code",
        "verification_status",
        "is_active",
        "created_at",
    ]
    list_filter = ["verification_status", "is_active", "kind", "province"]
    search_fields = ["name", "slug", "region_code"]
    readonly_fields = [
        "schema_name",
        "slug",
        "province",
        "verification_status",
        "verified_at",
        "verified_by",
        "is_active",
        # Written by tenant_disable with its log entry, never edited by hand.
        "disabled_reason",
        "disabled_at",
        "disabled_by",
        "created_at",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "slug",
                    "schema_name",
                    "kind",
                    "province",
                    "region_code",
                    "seat_region_code",
                ]
            },
        ),
        (
            _("Profile"),
            {
                "fields": [
                    "description",
                    "address",
                    "website",
                    "contact_name",
                    "contact_email",
                    "contact_phone",
                ]
            },
        ),
        (
            _("Status"),
            {
                "fields": [
                    "verification_status",
                    "verified_at",
                    "verified_by",
                    "is_active",
                    "disabled_reason",
                    "disabled_at",
                    "disabled_by",
                    "created_at",
                ]
            },
        ),
    ]
    inlines = [DomainInline, MembershipInline]
    actions = ["verify", "unverify", "disable", "enable", "prepare_archive"]

    form = TenantAdminForm

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(kind=Tenant.Kind.PLATFORM)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.is_government:
            # A city's, regency's or province's name is the register's.
            fields.append("name")
        return fields

    def save_model(self, request, obj, form, change):
        """Through services.tenant_save, like every other path: an identity change
        withdraws the verification and is written to the platform log."""
        services.tenant_save(
            actor=request.user,
            tenant=obj,
            fields=form.changed_data,
            reason=_("Changed by a platform operator."),
        )

    def has_add_permission(self, request):
        # Tenants are created by onboarding (tenant_provision), which builds the schema.
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        # Deleting many tenants with one click is too dangerous; see delete_view.
        actions.pop("delete_selected", None)
        return actions

    def _run(self, request, queryset, service, done_message, **kwargs):
        count = 0
        for tenant in queryset:
            try:
                service(actor=request.user, tenant=tenant, **kwargs)
                count += 1
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(
                    request,
                    f"{tenant}: {' '.join(getattr(exc, 'messages', [str(exc)]))}",
                    messages.ERROR,
                )
        if count:
            self.message_user(request, done_message % {"n": count}, messages.SUCCESS)

    @admin.action(description=_("Verify selected tenants"), permissions=["change"])
    def verify(self, request, queryset):
        self._run(
            request, queryset, services.tenant_verify, _("%(n)d tenant(s) verified.")
        )

    def _run_with_reason(self, request, queryset, service, done_message, title):
        """Actions the public reads about ask for a public reason (and a private
        note) on an intermediate page before they run."""
        form = OperatorReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            self._run(
                request,
                queryset,
                service,
                done_message,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "tenants": queryset,
            "form": form,
            "action": request.POST.get("action", ""),
            "opts": self.model._meta,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return render(request, "admin/tenants/tenant/action_reason.html", context)

    @admin.action(
        description=_("Mark selected tenants unverified"), permissions=["change"]
    )
    def unverify(self, request, queryset):
        return self._run_with_reason(
            request,
            queryset,
            services.tenant_unverify,
            _("%(n)d tenant(s) marked unverified."),
            _("Withdraw the verification"),
        )

    @admin.action(
        description=_("Disable (suspend) selected tenants"), permissions=["change"]
    )
    def disable(self, request, queryset):
        return self._run_with_reason(
            request,
            queryset,
            services.tenant_disable,
            _("%(n)d tenant(s) suspended."),
            _("Suspend organisations"),
        )

    @admin.action(description=_("Enable selected tenants"), permissions=["change"])
    def enable(self, request, queryset):
        self._run(
            request, queryset, services.tenant_enable, _("%(n)d tenant(s) enabled.")
        )

    @admin.action(
        description=_("Prepare an archive of selected tenants"), permissions=["export"]
    )
    def prepare_archive(self, request, queryset):
        from django.shortcuts import redirect

        from .archive.downloads import tenant_archive_request

        count = 0
        for tenant in queryset:
            tenant_archive_request(actor=request.user, tenant=tenant)
            count += 1
        self.message_user(
            request,
            _("%(n)d archive(s) are being prepared; download them from the operators' archive page.")
            % {"n": count},
        )
        return redirect("desk_archives")

    def has_export_permission(self, request):
        return request.user.has_perm("tenants.export_tenant")

    def get_urls(self):
        custom = [
            path(
                "<int:object_id>/delete/",
                self.admin_site.admin_view(self.delete_view),
                name="tenants_tenant_delete",
            ),
        ]
        return custom + super().get_urls()

    def delete_view(self, request, object_id, extra_context=None):
        """Deleting a tenant drops its schema: the operator must type its subdomain."""
        try:
            tenant = get_object_or_404(self.get_queryset(request), pk=int(object_id))
        except (TypeError, ValueError, OverflowError):
            raise Http404 from None
        if not self.has_delete_permission(request, tenant):
            raise PermissionDenied
        form = TenantDeleteForm(request.POST or None, tenant=tenant)
        if request.method == "POST" and form.is_valid():
            try:
                services.tenant_delete(
                    actor=request.user,
                    tenant=tenant,
                    confirmation=form.cleaned_data["confirmation"],
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                self.message_user(
                    request,
                    _(
                        "Tenant %(name)s and its schema were deleted; its row stays as a tombstone."
                    )
                    % {"name": tenant.name},
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:tenants_tenant_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Delete tenant %(name)s") % {"name": tenant.name},
            "tenant": tenant,
            "form": form,
            "opts": self.model._meta,
            "member_count": tenant.memberships.count(),
        }
        return render(request, "admin/tenants/tenant/delete_confirm.html", context)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "date_joined"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal info"), {"fields": ["full_name"]}),
        (
            _("Permissions"),
            {
                "fields": [
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                ]
            },
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})
    ]

    def get_urls(self):
        custom = [
            path(
                "<int:object_id>/mfa-reset/",
                self.admin_site.admin_view(self.mfa_reset_view),
                name="tenants_user_mfa_reset",
            ),
        ]
        return custom + super().get_urls()

    def mfa_reset_view(self, request, object_id):
        """A person lost their authenticator: after checking who they are (by
        phone, in person, a letter), another operator removes it with a reason."""
        user = get_object_or_404(User, pk=object_id)
        if not self.has_change_permission(request, user):
            raise PermissionDenied
        form = MfaResetForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                removed = mfa_reset(
                    actor=request.user, user=user, reason=form.cleaned_data["reason"]
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                self.message_user(
                    request,
                    _(
                        "%(email)s's two-step sign-in was reset (%(count)d "
                        "authenticators removed); they enrol again at their next "
                        "sign-in. The reset is in the platform log."
                    )
                    % {"email": user.email, "count": removed},
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:tenants_user_change", args=[user.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Reset two-step sign-in of %(email)s") % {"email": user.email},
            "person": user,
            "form": form,
            "opts": self.model._meta,
        }
        return render(request, "admin/tenants/user/mfa_reset.html", context)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "tenant", "role", "status", "created_at", "expires_at"]
    list_filter = ["status", "role"]
    search_fields = ["email", "tenant__name"]
    readonly_fields = [f.name for f in Invitation._meta.fields]

    def has_add_permission(self, request):
        return False
