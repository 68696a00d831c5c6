"""A tenant's apps: adoptions both ways, agreements, and the entries it publishes."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.limits import body_limit
from core.storage import private_download
from tenants import hosted
from tenants.access import MANAGE_ROLES, member_required
from tenants.forms import add_service_errors, exception_text
from tenants.hooks import is_limit as is_plan_limit

from . import selectors, services
from . import workflow as adoption_workflow
from .access import access_adoption, access_agreement, access_own_app
from .forms import (
    AdoptionRequestForm,
    AgreementAmendForm,
    AgreementEndForm,
    AgreementForm,
    ApproveForm,
    CatalogAppForm,
    OptionalReasonForm,
    PubliccodeUploadForm,
    ReasonForm,
    ReleaseForm,
    ReplaceAgreementForm,
    ScreenshotForm,
    UsageForm,
)
from .harvest import harvest_failures
from .models import Agreement
from .views_harvest import harvest_context


def _is_admin(request) -> bool:
    return request.membership.role in MANAGE_ROLES


@member_required()
def apps_home(request):
    tenant = request.tenant
    return render(
        request,
        "catalog/tenant/home.html",
        {
            "adoptions": selectors.tenant_adoptions(tenant),
            "incoming": selectors.incoming_adoptions(tenant),
            "published": selectors.published_apps(tenant),
            "agreements": selectors.tenant_agreements(tenant)[:20],
            "is_admin": _is_admin(request),
            "harvest_failures": harvest_failures(tenant),
        },
    )


@member_required(roles=MANAGE_ROLES)
def adopt(request, slug):
    app = selectors.visible_apps().filter(slug=slug).select_related("publisher").first()
    if app is None:
        raise Http404(_("There is no such app in the catalog."))
    initial = {
        "contact_name": request.user.full_name,
        "contact_email": request.user.email,
    }
    form = AdoptionRequestForm(request.POST or None, initial=initial)
    upgrade = False
    if request.method == "POST" and form.is_valid():
        try:
            adoption = services.adoption_request(
                actor=request.user, adopter=request.tenant, app=app, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            upgrade = is_plan_limit(exc)
        else:
            messages.success(
                request,
                _("Your request to adopt %(app)s was sent to %(publisher)s.")
                % {"app": app.name, "publisher": app.publisher.name},
            )
            return redirect("catalog_adoption", adoption.pk)
    return render(
        request,
        "catalog/tenant/adopt.html",
        {"app": app, "form": form, "upgrade": upgrade},
    )


def _step_forms(adoption, side: str) -> dict:
    """The forms of the steps this side may take now (catalog/workflow.py)."""
    steps = adoption_workflow.available(adoption, side)
    forms = {"steps": steps}
    if "approve" in steps:
        forms["approve_form"] = ApproveForm(
            agreements=selectors.agreements_between(
                adoption.adopter, adoption.app.publisher
            ),
            initial={"second_signatory": "", "signed_at_place": ""},
        )
    if "reject" in steps:
        forms["reject_form"] = ReasonForm()
    if "withdraw" in steps:
        forms["withdraw_form"] = OptionalReasonForm()
    if "activate" in steps or adoption_workflow.usage_editable(adoption, side):
        forms["usage_form"] = UsageForm(
            app=adoption.app,
            initial={
                "usage": adoption.usage or "pilot",
                "release": adoption.release_id,
            },
        )
    if "end" in steps:
        forms["end_form"] = ReasonForm()
    if adoption.agreement_ended:
        forms["agreement_form"] = ReplaceAgreementForm(
            agreements=selectors.agreements_between(
                adoption.adopter, adoption.app.publisher
            )
        )
    return forms


def _page(adoption, side: str, *, is_admin: bool) -> dict:
    """What the adoption's page shows either side (its forms come apart)."""
    return {
        "adoption": adoption,
        "side": side,
        "is_admin": is_admin,
        "events": selectors.adoption_events(adoption),
        "granted": adoption_workflow.granted(adoption),
    }


@member_required()
def adoption_detail(request, adoption_id):
    adoption = access_adoption(request, adoption_id)
    is_admin = _is_admin(request)
    side = adoption_workflow.side_of(adoption, request.tenant)
    context = _page(adoption, side, is_admin=is_admin)
    if is_admin:
        context.update(_step_forms(adoption, side))
    return render(request, "catalog/tenant/adoption.html", context)


@body_limit("UPLOAD_BODY_LIMIT")
@member_required(roles=MANAGE_ROLES)
def adoption_action(request, adoption_id, action):
    """POST one step of the workflow; the service decides whether this side may take it."""
    adoption = access_adoption(request, adoption_id)
    # A transition of the declared workflow, or an event a side takes as a step.
    sides = adoption_workflow.sides_for(action)
    if not sides:
        raise Http404
    side = adoption_workflow.side_of(adoption, request.tenant)
    if side not in sides:
        raise PermissionDenied(_("The other organisation takes this step, not yours."))
    if request.method != "POST":
        return redirect("catalog_adoption", adoption.pk)
    form = None
    activated = False
    upgrade = False
    try:
        if action == "approve":
            agreements = selectors.agreements_between(
                adoption.adopter, adoption.app.publisher
            )
            form = ApproveForm(request.POST, request.FILES, agreements=agreements)
            if form.is_valid():
                services.adoption_approve_under(
                    actor=request.user,
                    adoption=adoption,
                    agreement=form.cleaned_data["existing"],
                    note=form.cleaned_data["note"],
                    document=form.cleaned_data.get("document") or None,
                    **{k: form.cleaned_data[k] for k in Agreement.TERMS},
                )
        elif action == "agreement":
            form = ReplaceAgreementForm(
                request.POST,
                agreements=selectors.agreements_between(
                    adoption.adopter, adoption.app.publisher
                ),
            )
            if form.is_valid():
                services.adoption_agreement_replace(
                    actor=request.user,
                    adoption=adoption,
                    agreement=form.cleaned_data["agreement"],
                )
        elif action in ("reject", "end"):
            form = ReasonForm(request.POST)
            if form.is_valid():
                service = (
                    services.adoption_reject
                    if action == "reject"
                    else services.adoption_end
                )
                service(
                    actor=request.user,
                    adoption=adoption,
                    reason=form.cleaned_data["reason"],
                )
        elif action == "withdraw":
            form = OptionalReasonForm(request.POST)
            if form.is_valid():
                services.adoption_withdraw(
                    actor=request.user,
                    adoption=adoption,
                    reason=form.cleaned_data["reason"],
                )
        elif action in ("activate", "update"):
            form = UsageForm(request.POST, app=adoption.app)
            if form.is_valid():
                service = (
                    services.adoption_activate
                    if "activate" in adoption_workflow.available(adoption, side)
                    else services.adoption_update_usage
                )
                service(actor=request.user, adoption=adoption, **form.cleaned_data)
                activated = service is services.adoption_activate
    except (ValidationError, PermissionDenied) as exc:
        if form is not None and isinstance(exc, ValidationError):
            add_service_errors(form, exc)
            upgrade = is_plan_limit(exc)
        else:
            messages.error(request, exception_text(exc))
            return redirect("catalog_adoption", adoption.pk)
    if form is not None and form.errors:
        adoption.refresh_from_db()
        return render(
            request,
            "catalog/tenant/adoption.html",
            {
                **_page(adoption, side, is_admin=True),
                "steps": adoption_workflow.available(adoption, side),
                f"{'usage' if action in ('activate', 'update') else action}_form": form,
                "failed_action": action,
                "upgrade": upgrade,
            },
            status=400,
        )
    if activated:
        setup = _setup_after_activation(adoption)
        if setup:
            # A hosted app just switched on: its administrator is taken
            # through its set-up (tenants/hosted.py `setup_steps`), whose page
            # says so.
            return redirect(setup)
        messages.success(
            request, _("%(app)s is in use now.") % {"app": adoption.app.name}
        )
        return redirect("catalog_adoption", adoption.pk)
    messages.success(request, _("Saved."))
    return redirect("catalog_adoption", adoption.pk)


def _setup_after_activation(adoption) -> str:
    """The set-up page of the hosted app an adoption switched on, if it has steps."""
    module = (
        hosted.get(adoption.app.hosted_module) if adoption.app.hosted_module else None
    )
    if module is None or module.setup_steps is None:
        return ""
    return f"/dashboard/setup/{module.key}/?activated=1"


@member_required()
def agreements(request):
    return render(
        request,
        "catalog/tenant/agreements.html",
        {
            "agreements": selectors.tenant_agreements(request.tenant),
            "is_admin": _is_admin(request),
        },
    )


@body_limit("UPLOAD_BODY_LIMIT")
@member_required(roles=MANAGE_ROLES)
def agreement_new(request):
    form = AgreementForm(
        request.POST or None, request.FILES or None, tenant=request.tenant
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            agreement = services.agreement_create(
                actor=request.user, tenant=request.tenant, **data
            )
        except PermissionDenied as exc:
            form.add_error(None, exception_text(exc))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "The agreement was recorded. It binds nobody until %(party)s confirms it."
                )
                % {"party": agreement.second_party.name},
            )
            return redirect("catalog_agreement", agreement.pk)
    return render(request, "catalog/tenant/agreement_form.html", {"form": form})


def _agreement_context(request, agreement, **forms) -> dict:
    tenant = request.tenant
    is_admin = _is_admin(request)
    context = {
        "agreement": agreement,
        "adoptions": agreement.adoptions.select_related("app", "adopter"),
        "events": selectors.agreement_events(agreement),
        "pending": selectors.agreement_pending_terms(agreement),
        "is_admin": is_admin,
        "our_turn": agreement.awaiting_party_id == tenant.pk,
        "can_confirm": is_admin
        and agreement.awaiting_party_id == tenant.pk
        and tenant.is_verified,
    }
    if context["can_confirm"]:
        context["decline_form"] = forms.get("decline_form") or ReasonForm()
    if (
        is_admin
        and agreement.state == Agreement.State.CONFIRMED
        and agreement.pending_version is None
    ):
        context["amend_form"] = forms.get("amend_form") or AgreementAmendForm(
            agreement=agreement
        )
    if is_admin and agreement.state == Agreement.State.CONFIRMED:
        context["end_form"] = forms.get("end_form") or AgreementEndForm()
    return context


@member_required()
def agreement_detail(request, agreement_id):
    agreement = access_agreement(request, agreement_id)
    return render(
        request,
        "catalog/tenant/agreement.html",
        _agreement_context(request, agreement),
    )


AGREEMENT_ACTIONS = ("confirm", "decline", "amend", "end")


@body_limit("UPLOAD_BODY_LIMIT")
@member_required(roles=MANAGE_ROLES)
def agreement_action(request, agreement_id, action):
    """POST confirm, decline, amend or end; the service decides whether this side may."""
    agreement = access_agreement(request, agreement_id)
    if action not in AGREEMENT_ACTIONS:
        raise Http404
    if request.method != "POST":
        return redirect("catalog_agreement", agreement.pk)
    tenant = request.tenant
    form = None
    try:
        if action == "confirm":
            services.agreement_confirm(
                actor=request.user, tenant=tenant, agreement=agreement
            )
        elif action == "decline":
            form = ReasonForm(request.POST)
            if form.is_valid():
                services.agreement_decline(
                    actor=request.user,
                    tenant=tenant,
                    agreement=agreement,
                    reason=form.cleaned_data["reason"],
                )
        elif action == "amend":
            form = AgreementAmendForm(request.POST, request.FILES, agreement=agreement)
            if form.is_valid():
                services.agreement_amend(
                    actor=request.user,
                    tenant=tenant,
                    agreement=agreement,
                    document=form.cleaned_data.get("document") or None,
                    **{k: form.cleaned_data[k] for k in Agreement.TERMS},
                )
        else:
            form = AgreementEndForm(request.POST)
            if form.is_valid():
                services.agreement_end(
                    actor=request.user,
                    tenant=tenant,
                    agreement=agreement,
                    **form.cleaned_data,
                )
    except ValidationError as exc:
        if form is None:
            messages.error(request, exception_text(exc))
            return redirect("catalog_agreement", agreement.pk)
        add_service_errors(form, exc)
    except PermissionDenied as exc:
        messages.error(request, exception_text(exc))
        return redirect("catalog_agreement", agreement.pk)
    if form is not None and form.errors:
        agreement.refresh_from_db()
        return render(
            request,
            "catalog/tenant/agreement.html",
            _agreement_context(request, agreement, **{f"{action}_form": form}),
            status=400,
        )
    messages.success(
        request,
        {
            "confirm": _("The agreement was confirmed."),
            "decline": _("The agreement was declined."),
            "amend": _("The amendment was sent to the other party to confirm."),
            "end": _("The end of the agreement was recorded."),
        }[action],
    )
    return redirect("catalog_agreement", agreement.pk)


@member_required()
def agreement_document(request, agreement_id):
    """The signed PDF in force, or with ?version=N that of version N (an amendment
    to check before confirming it), for members of the two parties only."""
    agreement = access_agreement(request, agreement_id)
    name = agreement.document.name if agreement.document else ""
    version = request.GET.get("version", "")
    if version:
        if not version.isdigit() or len(version) > 6:
            raise Http404
        proposal = selectors.agreement_proposal(agreement, int(version))
        if proposal is None:
            raise Http404
        name = proposal.document.name
    return private_download(
        name,
        content_type="application/pdf",
        filename=f"agreement-{agreement.pk}{f'-v{version}' if version else ''}.pdf",
    )


@body_limit("UPLOAD_BODY_LIMIT")
@member_required(roles=MANAGE_ROLES)
def app_new(request):
    return _app_form(request, app=None)


@body_limit("UPLOAD_BODY_LIMIT")
@member_required(roles=MANAGE_ROLES)
def app_edit(request, slug):
    return _app_form(request, app=access_own_app(request, slug))


def _app_form(request, *, app):
    initial = (
        CatalogAppForm.initial_for(app)
        if app
        else {"languages": "id", "maintenance_type": "internal"}
    )
    form = CatalogAppForm(
        request.POST or None, request.FILES or None, initial=initial, app=app
    )
    if not request.tenant.is_verified:
        messages.warning(
            request,
            _(
                "Only verified organisations can publish apps. The platform team verifies new organisations."
            ),
        )
    if request.method == "POST" and "add_contractor" in request.POST:
        # "Add a contractor" without JavaScript: the page again, everything
        # typed kept, with one more empty row; nothing is saved or checked yet.
        form.errors.clear()
        form.contractors = form.contractors.with_another_row()
        for row in form.contractors:
            row.errors.clear()
        if request.FILES:
            messages.info(
                request,
                _(
                    "Browsers do not keep a chosen file when a form comes back: if you had chosen one here, choose it again."
                ),
            )
        return render(
            request, "catalog/tenant/app_form.html", {"form": form, "app": app}
        )
    if request.method == "POST" and form.is_valid():
        try:
            if app is None:
                from django.utils.text import slugify

                fields = form.service_fields()
                app = services.app_create(
                    actor=request.user,
                    publisher=request.tenant,
                    slug=_unique_slug(slugify(fields["name"])[:50] or "app"),
                    logo=form.cleaned_data.get("logo") or None,
                    **fields,
                )
            else:
                app = services.app_update(
                    actor=request.user,
                    app=app,
                    logo=form.cleaned_data.get("logo") or None,
                    **form.service_fields(),
                )
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(app)s was saved.") % {"app": app.name})
            return redirect("catalog_app_manage", app.slug)
    return render(request, "catalog/tenant/app_form.html", {"form": form, "app": app})


def _unique_slug(base: str) -> str:
    from .models import CatalogApp

    slug, n = base, 2
    while CatalogApp.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


@body_limit("UPLOAD_BODY_LIMIT")
@member_required()
def app_manage(request, slug):
    app = access_own_app(request, slug)
    is_admin = _is_admin(request)
    release_form = (
        ReleaseForm(request.POST or None, prefix="release") if is_admin else None
    )
    screenshot_form = (
        ScreenshotForm(request.POST or None, request.FILES or None, prefix="shot")
        if is_admin
        else None
    )
    if request.method == "POST":
        if not is_admin:
            raise PermissionDenied(_("Only administrators may change the entry."))
        which = request.POST.get("form")
        form = release_form if which == "release" else screenshot_form
        if form is not None and form.is_valid():
            try:
                if which == "release":
                    services.release_add(
                        actor=request.user, app=app, **form.cleaned_data
                    )
                else:
                    services.screenshot_add(
                        actor=request.user, app=app, **form.cleaned_data
                    )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("catalog_app_manage", app.slug)
    return render(
        request,
        "catalog/tenant/app_manage.html",
        {
            "app": app,
            "releases": app.releases.all(),
            "screenshots": app.screenshots.all(),
            "incoming": selectors.incoming_adoptions(request.tenant).filter(app=app),
            "release_form": release_form,
            "screenshot_form": screenshot_form,
            "is_admin": is_admin,
            **harvest_context(app, is_admin=is_admin),
        },
    )


@body_limit("UPLOAD_BODY_LIMIT")
@member_required(roles=MANAGE_ROLES)
def publiccode_import(request):
    from .publiccode import PubliccodeError, import_publiccode

    form = PubliccodeUploadForm(request.POST or None, request.FILES or None)
    issues = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        from django.conf import settings

        if upload.size > settings.MAX_PUBLICCODE_BYTES:
            form.add_error(
                "file",
                _("The file is larger than %(kb)d KB.")
                % {"kb": settings.MAX_PUBLICCODE_BYTES // 1024},
            )
        else:
            try:
                result = import_publiccode(
                    actor=request.user,
                    publisher=request.tenant,
                    data=upload.read(),
                    confirm_publisher_change=form.cleaned_data[
                        "confirm_publisher_change"
                    ],
                )
            except PubliccodeError as exc:
                issues = exc.issues
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(
                    request,
                    (
                        _("%(app)s was added to the catalog.")
                        if result.created
                        else _("%(app)s was updated.")
                    )
                    % {"app": result.app.name},
                )
                return redirect("catalog_app_manage", result.app.slug)
    return render(
        request,
        "catalog/tenant/publiccode_import.html",
        {"form": form, "issues": issues},
    )
