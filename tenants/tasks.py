"""The kernel's periodic jobs (registered in TenantsConfig.ready(), core/jobs.py)."""

from __future__ import annotations


def chains_anchor_job() -> int:
    """Hourly: anchor every changed tenant chain head into the platform log."""
    from .anchoring import chains_anchor

    return len(chains_anchor().anchors)


def chain_heads_mail_job() -> int:
    """Daily: send each tenant's administrators the day's head of each changed chain."""
    from .heads import chain_heads_mail

    return chain_heads_mail()


def schema_pool_fill_job() -> int:
    """After each provisioning and every few minutes: refill the warm pool of
    tenant schemas (settings.TENANT_SCHEMA_POOL; nothing to do when it is 0)."""
    from .schema import schema_pool_fill, schema_pool_size

    if not schema_pool_size():
        return 0
    return schema_pool_fill()["made"]


def tenant_archive_build_job(*, archive_id: int) -> str:
    """Build an organisation's archive that an operator or its administrator asked for."""
    from .archive.downloads import tenant_archive_build

    return tenant_archive_build(archive_id=archive_id).status


def tenant_archives_expire_job() -> int:
    """Hourly: remove the files of archives past their time."""
    from .archive.downloads import tenant_archives_expire

    return tenant_archives_expire()
