"""Create the demo tenants and accounts. Safe to run any number of times."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import override_settings

from tenants import demo, services
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

        from catalog.demo import seed_catalog
        from grants.demo import seed_grants

        catalog = seed_catalog(operator=operator)
        proposals = 0
        # Demo steps would print a hundred notification e-mails: keep them in memory.
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"
        ):
            for spec in (demo.BANDUNG, demo.TANGERANG):
                tenant = Tenant.objects.get(slug=spec.slug)
                proposals += seed_grants(
                    tenant=tenant,
                    admin=User.objects.get(email=spec.admin_email),
                    staff=User.objects.get(email=spec.staff_email),
                    password_hash=password_hash,
                )
        connection.set_schema_to_public()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready: {len(demo.ALL_TENANTS)} tenants ({created} new), "
                f"{catalog['apps']} catalog apps, {catalog['adoptions']} active adoptions, "
                f"{proposals} new Sabilulungan proposals."
            )
        )
        self.stdout.write(
            "Demo accounts (password for all: "
            f"{demo.DEMO_PASSWORD}):\n"
            f"  platform operator  {demo.OPERATOR_EMAIL}  (verification desk at /operator/verification/, Django admin at /admin/)\n"
            f"  Kota Bandung       {demo.BANDUNG.admin_email} / {demo.BANDUNG.staff_email}\n"
            f"  Kota Tangerang     {demo.TANGERANG.admin_email} / {demo.TANGERANG.staff_email}\n"
            "  every other tenant admin@SLUG.bagipakai.test / staf@SLUG.bagipakai.test\n"
            "  Sabilulungan (Bandung, Tangerang): one person per role, "
            "tu@ (Tata Usaha), kepala@ (approval), timpertimbangan@, opd@, tapd@, "
            "bendahara@ (treasurer) at SLUG.bagipakai.test; admin@ is the program "
            "manager; applicants pemohon1..12@SLUG.warga.test, warga1..4@SLUG.warga.test"
        )
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
