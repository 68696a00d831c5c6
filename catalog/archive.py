"""The catalog's rows in an organisation's archive (tenants/archive/registry.py).

Agreements it is a party to and its adoptions come back when the organisation
is restored (disaster recovery, a move between servers); a copy made with
`--as` starts without them: they were confirmed for the source, not the copy.
A catalog app and a release are found again on the importing platform by
slug (and version); an adoption of an app that platform does not list is
skipped and reported.
"""

from __future__ import annotations

from django.db.models import Q

from tenants.archive.registry import (
    register_after_import,
    register_natural_key,
    register_public_rows,
)

from .models import (
    Adoption,
    AdoptionEvent,
    Agreement,
    AgreementEvent,
    CatalogApp,
    Release,
)


def _releases(keys):
    wanted = {tuple(key) for key in keys}
    found = {}
    for pk, slug, version in Release.objects.filter(
        app__slug__in={slug for slug, _v in wanted}
    ).values_list("pk", "app__slug", "version"):
        if (slug, version) in wanted:
            found[(slug, version)] = pk
    return found


def _recount(tenant, ctx) -> None:
    from .services import adopters_recount

    adopters_recount(adopter=tenant)


def register_archive_parts() -> None:
    register_public_rows(
        Agreement,
        rows=lambda t: Agreement.objects.filter(Q(first_party=t) | Q(second_party=t)),
        order=30,
        on_copy="skip",
    )
    register_public_rows(
        AgreementEvent,
        rows=lambda t: AgreementEvent.objects.filter(
            Q(agreement__first_party=t) | Q(agreement__second_party=t)
        ),
        order=31,
        on_copy="skip",
    )
    register_public_rows(
        Adoption,
        rows=lambda t: Adoption.objects.filter(adopter=t),
        order=40,
        on_copy="skip",
    )
    register_public_rows(
        AdoptionEvent,
        rows=lambda t: AdoptionEvent.objects.filter(adoption__adopter=t),
        order=41,
        on_copy="skip",
    )
    register_natural_key(
        CatalogApp,
        export=lambda app: app.slug,
        resolve=lambda slugs: dict(
            CatalogApp.objects.filter(slug__in=slugs).values_list("slug", "pk")
        ),
    )
    register_natural_key(
        Release,
        export=lambda release: [release.app.slug, release.version],
        resolve=_releases,
    )
    register_after_import(_recount)
