"""Who must use a second factor, and the gate that holds them to it.

Required for platform operators (staff users), everywhere; and, in a verified
tenant whose `mfa_required` setting is on (the default), for its
administrators and for members holding a role that approves or disburses
money. Which hosted-app roles those are is each app's business: it declares
them as `HostedRoles.power` in its hosted-app declaration (tenants/hosted.py),
so the kernel names no app (grants: the head of region's office, who
approves, and the treasurer, who disburses).

The gate (MfaRequiredMiddleware) lets such a person use nothing but their
account pages until they have enrolled a second factor (FACTOR_TYPES: an
authenticator app, or a security key or passkey), and, once enrolled, until
this session has passed it (allauth records it at sign-in, or at
re-authentication on a host signed into by hand-off), whichever of the two
they used.
"""

from __future__ import annotations

import base64
import hashlib
import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from . import hosted
from .access import access_operator, membership_for

# Paths a person who still owes the second factor may use: signing in and out,
# enrolling, the language switch, static files, health.
EXEMPT_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/healthz", "/auth/handoff/")


def holds_power(membership, tenant=None) -> bool:
    """Administrators, and holders of a hosted app's money role in the tenant
    (`tenant`: the membership's, when the caller has it at hand)."""
    return membership.is_admin or hosted.holds_power(
        tenant or membership.tenant, membership.user_id
    )


def mfa_required(user, tenant) -> bool:
    """Whether `user` must pass a second factor to work on `tenant`'s host."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff:
        return True
    if tenant is None or tenant.is_platform:
        return False
    if not (tenant.is_verified and tenant.mfa_required):
        return False
    membership = membership_for(user, tenant)
    return membership is not None and holds_power(membership, tenant)


# What counts as a second factor (allauth's Authenticator.Type values): an
# authenticator app (TOTP), or a security key or passkey (WebAuthn). Recovery
# codes are the way back in when it is lost, not a factor to enrol.
FACTOR_TYPES = ("totp", "webauthn")


def enrolled_at(user):
    """When `user` first enrolled a second factor (None: not enrolled)."""
    from allauth.mfa.models import Authenticator

    return (
        Authenticator.objects.filter(user=user, type__in=FACTOR_TYPES)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )


def enrolment_url(next_path: str) -> str:
    """The page that offers both factors to set up (allauth's two-step sign-in
    page: an authenticator app, security keys, and the recovery codes)."""
    return f"{reverse('mfa_index')}?{urlencode({'next': next_path})}"


def second_factor_url(user, next_path: str) -> str:
    """Where an enrolled `user` shows their second factor, then goes on to
    `next_path`: their security key when they have one, else the code of their
    authenticator app. Each page offers the other ways (and recovery codes)."""
    from allauth.mfa.models import Authenticator

    has_key = Authenticator.objects.filter(
        user=user, type=Authenticator.Type.WEBAUTHN
    ).exists()
    page = "mfa_reauthenticate_webauthn" if has_key else "mfa_reauthenticate"
    return f"{reverse(page)}?{urlencode({'next': next_path})}"


# The session key holding when this session was sent to enrol.
ENROLMENT_STARTED = "mfa_enrolment_started_at"
# The page the person was on their way to when sent to enrol: the two-step
# pages offer to continue there (mfa_continue) once a factor is set up.
ENROLMENT_NEXT = "mfa_enrolment_next"
# Enrolling within this many seconds of being sent counts as this session's factor.
ENROLMENT_WINDOW = 30 * 60


def session_passed_mfa(request, enrolled) -> bool:
    """Whether this session has shown the second factor: at sign-in or at
    re-authentication (allauth records "mfa"), or by enrolling after this very
    session was sent to enrol (the code was checked then)."""
    from allauth.account.authentication import get_authentication_records

    records = get_authentication_records(request, request.user)
    if any(record.get("method") == "mfa" for record in records):
        return True
    sent = request.session.get(ENROLMENT_STARTED)
    return (
        isinstance(sent, int | float)
        and sent <= enrolled.timestamp() <= sent + ENROLMENT_WINDOW
    )


class MfaRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.MFA_ENFORCED
            and not request.path.startswith(EXEMPT_PREFIXES)
            and mfa_required(request.user, getattr(request, "tenant", None))
        ):
            enrolled = enrolled_at(request.user)
            if enrolled is None:
                request.session[ENROLMENT_STARTED] = time.time()
                request.session[ENROLMENT_NEXT] = request.get_full_path()
                messages.info(
                    request,
                    _(
                        "Your role here can approve money or change the platform, so "
                        "it needs two-step sign-in. Set it up now, it takes a minute: "
                        "an authenticator app on your phone, or a security key (or a "
                        "passkey on this device)."
                    ),
                )
                return redirect(enrolment_url(request.get_full_path()))
            if not session_passed_mfa(request, enrolled):
                return redirect(
                    second_factor_url(request.user, request.get_full_path())
                )
        return self.get_response(request)


def enrolment_next(request) -> str | None:
    """Where to continue after enrolling: the page the person was sent from,
    once they have a factor (a path of this host, as the middleware kept it)."""
    path = request.session.get(ENROLMENT_NEXT)
    if not isinstance(path, str) or enrolled_at(request.user) is None:
        return None
    if not url_has_allowed_host_and_scheme(path, allowed_hosts=None):
        return None
    return path


@login_required
def mfa_continue(request):
    """Leave the two-step pages for the page the person was on their way to."""
    path = enrolment_next(request)
    request.session.pop(ENROLMENT_NEXT, None)
    return redirect(path or "/")


def demo_secret(email: str) -> str:
    """A fixed TOTP secret per demo account (seed_demo prints it; DEBUG only)."""
    digest = hashlib.sha256(f"bagipakai-demo-totp:{email}".encode()).digest()
    return base64.b32encode(digest[:20]).decode()


def demo_enrol(user) -> str:
    """Enrol a demo account with its fixed secret (idempotent)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    secret = demo_secret(user.email)
    if not Authenticator.objects.filter(
        user=user, type=Authenticator.Type.TOTP
    ).exists():
        TOTP.activate(user, secret)
    if not Authenticator.objects.filter(
        user=user, type=Authenticator.Type.RECOVERY_CODES
    ).exists():
        RecoveryCodes.activate(user)
    return secret


def mfa_reset(*, actor, user, reason: str) -> int:
    """An operator removes a person's authenticators after a lost device or key:
    every one of them (authenticator app, security keys and passkeys, recovery
    codes).

    The person then enrols again at their next sign-in (the gate sends them
    there). Another operator must do it — nobody resets their own — and it is
    written to the public platform log; the reason stays private because it
    may describe the person.
    """
    from allauth.mfa.models import Authenticator
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from .models import PlatformEvent
    from .transparency import platform_event_append

    access_operator(actor, "tenants.change_user")
    if actor.pk == user.pk:
        raise ValidationError(
            _("Another operator must reset your own two-step sign-in.")
        )
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise ValidationError(
            {
                "reason": [
                    _(
                        "Say how the person's identity was checked (at least 10 characters)."
                    )
                ]
            }
        )
    with transaction.atomic():
        removed, _by_type = Authenticator.objects.filter(user=user).delete()
        platform_event_append(
            kind=PlatformEvent.Kind.MFA_RESET,
            actor=actor,
            details={"user_id": user.pk, "authenticators_removed": removed},
            private={"user_email": user.email, "reason": reason},
        )
    return removed
