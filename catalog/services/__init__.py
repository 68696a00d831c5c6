"""Every write to the catalog: apps, releases, agreements and the adoption workflow."""

from __future__ import annotations

from .adopters import (
    adopters_recount,
    tenant_catalog_purge,
)
from .adoptions import (
    ADOPTION_NOTE,
    ADOPTION_SENTENCES,
    Status,
    adoption_activate,
    adoption_agreement_replace,
    adoption_approve,
    adoption_approve_under,
    adoption_approve_with_new_agreement,
    adoption_end,
    adoption_end_lapsed,
    adoption_reject,
    adoption_request,
    adoption_update_usage,
    adoption_withdraw,
)
from .agreements import (
    agreement_amend,
    agreement_confirm,
    agreement_create,
    agreement_decline,
    agreement_end,
)
from .apps import (
    APP_FIELDS,
    _refresh_search_vector,
    _validate_app,
    app_create,
    app_set_hidden,
    app_update,
    release_add,
    remember_name_words,
    screenshot_add,
)

__all__ = [
    "ADOPTION_NOTE",
    "ADOPTION_SENTENCES",
    "APP_FIELDS",
    "Status",
    "_refresh_search_vector",
    "_validate_app",
    "adopters_recount",
    "adoption_activate",
    "adoption_agreement_replace",
    "adoption_approve",
    "adoption_approve_under",
    "adoption_approve_with_new_agreement",
    "adoption_end",
    "adoption_end_lapsed",
    "adoption_reject",
    "adoption_request",
    "remember_name_words",
    "adoption_update_usage",
    "adoption_withdraw",
    "agreement_amend",
    "agreement_confirm",
    "agreement_create",
    "agreement_decline",
    "agreement_end",
    "app_create",
    "app_set_hidden",
    "app_update",
    "release_add",
    "screenshot_add",
    "tenant_catalog_purge",
]
