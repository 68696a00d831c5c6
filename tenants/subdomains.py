"""Which subdomains a tenant may have, and the schema name the platform derives from one."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MIN_LENGTH = 3
MAX_LENGTH = 30
SUBDOMAIN_RE = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9]$")

# Names the platform keeps for itself or that would mislead citizens.
RESERVED = frozenset(
    {
        "www",
        "admin",
        "api",
        "static",
        "media",
        "public",
        "app",
        "apps",
        "mail",
        "smtp",
        "imap",
        "pop",
        "ftp",
        "ns1",
        "ns2",
        "dns",
        "cdn",
        "assets",
        "help",
        "support",
        "status",
        "docs",
        "blog",
        "billing",
        "stripe",
        "webhook",
        "webhooks",
        "auth",
        "login",
        "logout",
        "accounts",
        "account",
        "signup",
        "register",
        "dashboard",
        "platform",
        "operator",
        "root",
        "system",
        "test",
        "demo",
        "catalog",
        "katalog",
        "healthz",
        "bagipakai",
        "template",
        "tenant",
        "tenants",
        "localhost",
        "pemerintah",
        "gov",
        "go",
        "kemendagri",
        "security",
        "abuse",
        "postmaster",
        "hostmaster",
        "webmaster",
    }
)


def subdomain_errors(value: str) -> list[str]:
    """Every reason why `value` cannot be a new tenant's subdomain (taken is checked elsewhere)."""
    errors: list[str] = []
    if value != value.lower():
        errors.append(_("Use lower-case letters only."))
    value = value.lower()
    if len(value) < MIN_LENGTH:
        errors.append(_("Use at least %(n)d characters.") % {"n": MIN_LENGTH})
    if len(value) > MAX_LENGTH:
        errors.append(
            _("Use at most %(n)d characters (this one has %(len)d).")
            % {"n": MAX_LENGTH, "len": len(value)}
        )
    if value[:1].isdigit():
        errors.append(_("Start with a letter, not a digit."))
    if value.startswith("-") or value.endswith("-"):
        errors.append(_("Do not start or end with a dash."))
    if re.search(r"[^a-z0-9-]", value):
        errors.append(_("Use only letters a-z, digits and dashes."))
    if "--" in value:
        errors.append(_("Do not use two dashes in a row."))
    if value in RESERVED:
        errors.append(_("“%(name)s” is reserved by the platform.") % {"name": value})
    return errors


def validate_subdomain(value: str) -> None:
    errors = subdomain_errors(value)
    if errors:
        raise ValidationError(errors, code="invalid_subdomain")


def schema_name_for(subdomain: str) -> str:
    """The PostgreSQL schema of a tenant: derived, never the raw input (DESIGN invariant 1)."""
    validate_subdomain(subdomain)
    return "t_" + subdomain.replace("-", "_")
