"""Print the current two-step sign-in code of a demo account (DEBUG only)."""

from __future__ import annotations

import time

from allauth.mfa import app_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tenants.mfa import demo_secret
from tenants.models import User


class Command(BaseCommand):
    help = "The current authenticator code of a demo account enrolled by seed_demo."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        if not settings.DEBUG:
            raise CommandError("demo_totp is for the demo (DEBUG=1) only.")
        user = User.objects.filter(email__iexact=email.strip()).first()
        totp = (
            Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
            if user
            else None
        )
        secret = demo_secret(user.email) if user else ""
        if totp is None or decrypt(totp.data["secret"]) != secret:
            raise CommandError(
                f"{email} is not a demo account enrolled by seed_demo."
            )
        counter = int(time.time()) // app_settings.TOTP_PERIOD
        self.stdout.write(format_hotp_value(hotp_value(secret, counter)))
