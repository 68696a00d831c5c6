"""Create the demo tenants and accounts, then every plugged-in app's demo data.

The kernel seeds what it owns (tenants, users, memberships); the platform
services' `demo` hooks (tenants/hooks.py: the catalog, its adoptions) and then
each hosted app's `seed_demo` (tenants/hosted.py) add theirs. Safe to run any
number of times.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import override_settings

from tenants import demo, hooks, hosted, services
from tenants.models import Membership, Tenant, User


class Command(BaseCommand):
    help = "Seed Kota Bandung, Kota Tangerang, 31 partners and their demo accounts (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even with DEBUG off. The demo accounts share a published password: "
            "never on a production database.",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo creates accounts with a published password; it runs with DEBUG=1 "
                "(as `make run` does), or with --force on a database that is not production."
            )
        connection.set_schema_to_public()
        services.platform_ensure()
        # Hash the shared demo password once: hashing it for every account would
        # take most of a minute.
        password_hash = make_password(demo.DEMO_PASSWORD)
        operator = self._user(
            demo.OPERATOR_EMAIL, "Operator BagiPakai", password_hash, staff=True
        )
        created = 0
        for spec in demo.ALL_TENANTS:
            admin = self._user(spec.admin_email, f"Admin {spec.name}", password_hash)
            staff = self._user(spec.staff_email, f"Staf {spec.name}", password_hash)
            tenant = Tenant.objects.filter(slug=spec.slug).first()
            if tenant is None:
                tenant = services.tenant_provision(
                    actor=admin,
                    name=spec.name,
                    kind=spec.kind,
                    region_code=spec.region_code,
                    slug=spec.slug,
                )
                created += 1
            with transaction.atomic():
                Membership.objects.get_or_create(
                    user=admin, tenant=tenant, defaults={"role": Membership.Role.ADMIN}
                )
                Membership.objects.get_or_create(
                    user=staff, tenant=tenant, defaults={"role": Membership.Role.STAFF}
                )
                if spec.description and not tenant.description:
                    # save(), not update(): its signal drops the cached route.
                    tenant.description = spec.description
                    tenant.address = spec.address
                    tenant.website = spec.website
                    tenant.save(update_fields=["description", "address", "website"])
                if not tenant.is_verified:
                    services.tenant_verify(actor=operator, tenant=tenant)

        context = hosted.DemoContext(
            operator=operator, password_hash=password_hash, stdout=self.stdout
        )
        summary = [f"{len(demo.ALL_TENANTS)} tenants ({created} new)"]
        # Demo steps would print a hundred notification e-mails: keep them in memory.
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"
        ):
            summary += hooks.run("demo", context)
            for app in hosted.apps():
                if app.seed_demo is not None:
                    summary.append(app.seed_demo(context))
                    connection.set_schema_to_public()
        connection.set_schema_to_public()
        self.stdout.write(
            self.style.SUCCESS("Demo ready: " + ", ".join(filter(None, summary)) + ".")
        )
        self.stdout.write(
            "Demo accounts (password for all: "
            f"{demo.DEMO_PASSWORD}):\n"
            f"  platform operator  {demo.OPERATOR_EMAIL}  (verification desk at /operator/verification/, Django admin at /admin/)\n"
            f"  Kota Bandung       {demo.BANDUNG.admin_email} / {demo.BANDUNG.staff_email}\n"
            f"  Kota Tangerang     {demo.TANGERANG.admin_email} / {demo.TANGERANG.staff_email}\n"
            "  every other tenant admin@SLUG.bagipakai.test / staf@SLUG.bagipakai.test"
        )
        for app in hosted.apps():
            accounts = app.extra.get("demo_accounts")
            if accounts:
                self.stdout.write(f"  {app.label}: {accounts}")
        enrolled = self._enrol_second_factor(operator)
        self.stdout.write(
            f"Two-step sign-in: {len(enrolled)} demo accounts (the operator, the "
            "administrators and the money roles) ask for a code after the password. "
            "Add a secret to an authenticator app, or print the current code with "
            "`python manage.py demo_totp EMAIL`:\n"
            + "".join(
                f"  {email:<40} {enrolled[email]}\n"
                for email in (
                    demo.OPERATOR_EMAIL,
                    demo.BANDUNG.admin_email,
                    demo.TANGERANG.admin_email,
                )
                if email in enrolled
            )
        )

    @staticmethod
    def _enrol_second_factor(operator: User) -> dict[str, str]:
        """Enrol every demo account that must use a second factor (tenants/mfa.py)."""
        from tenants.mfa import demo_enrol, holds_power

        enrolled = {operator.email: demo_enrol(operator)}
        demo_slugs = [spec.slug for spec in demo.ALL_TENANTS]
        memberships = Membership.objects.filter(
            tenant__slug__in=demo_slugs
        ).select_related("user", "tenant")
        for membership in memberships:
            if membership.user.email not in enrolled and holds_power(membership):
                enrolled[membership.user.email] = demo_enrol(membership.user)
        connection.set_schema_to_public()
        return enrolled

    @staticmethod
    def _user(
        email: str, full_name: str, password_hash: str, *, staff: bool = False
    ) -> User:
        user, created = User.objects.get_or_create(
            email=email,
            defaults={
                "full_name": full_name,
                "password": password_hash,
                "is_staff": staff,
                "is_superuser": staff,
            },
        )
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        return user
