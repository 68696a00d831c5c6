"""A hosted app that exists only in tests: "Buku Tamu", a guest book.

It plugs into the kernel exactly as Sabilulungan does — one `register()` in
its AppConfig.ready() — and tests/settings.py adds it to INSTALLED_APPS and
TENANT_APPS. tests/tenants/test_hosted_contract.py proves that it appears,
is gated, seeds, assigns roles and is deleted and exported through the
contract without any change to the kernel.
"""

from django.apps import AppConfig

DELETED: list[str] = []


class BukuTamuConfig(AppConfig):
    name = "tests.hostedapp_fixture"
    label = "bukutamu"
    verbose_name = "Buku Tamu"

    def ready(self):
        from tenants import hosted

        from . import logic

        hosted.register(
            hosted.HostedApp(
                key="buku-tamu",
                label="Buku Tamu",
                urls=(("buku-tamu/", "tests.hostedapp_fixture.urls"),),
                menu_path="/buku-tamu/staff/",
                public_path="/buku-tamu/",
                public_routes=frozenset({"bukutamu_public"}),
                roles=hosted.HostedRoles(
                    label="Buku Tamu roles",
                    choices=lambda: [
                        ("penjaga", "Penjaga"),
                        ("bendahara", "Bendahara"),
                    ],
                    held=logic.roles_held,
                    store=logic.roles_store,
                    power=frozenset({"bendahara"}),
                ),
                tiles=logic.tiles,
                setup_steps=logic.setup_steps,
                seed_demo=logic.seed_demo,
                on_tenant_delete=lambda tenant: DELETED.append(tenant.slug),
                export=logic.export,
            )
        )
