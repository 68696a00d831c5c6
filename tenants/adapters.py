from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter

from .access import membership_for
from .hosts import on_base_domain, platform_url, webauthn_rp_id
from .notifications import PLATFORM_NAME


class AccountAdapter(DefaultAccountAdapter):
    """Where people land after signing in, on the platform and on tenant hosts."""

    def get_login_redirect_url(self, request):
        tenant = getattr(request, "tenant", None)
        if tenant is None or tenant.is_platform:
            return "/orgs/"
        if membership_for(request.user, tenant) is not None:
            return "/dashboard/"
        return "/"

    def get_signup_redirect_url(self, request):
        return self.get_login_redirect_url(request)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Account e-mails (password reset, address confirmation, sign-up) link to
        the platform host, never to the Host the request came in on: a reset asked
        for through a tenant's custom domain must not send the victim's token to
        that tenant's server."""
        request = getattr(self, "request", None)
        context = {
            key: platform_link(value, request)
            if key.endswith("_url") and isinstance(value, str)
            else value
            for key, value in context.items()
        }
        home = platform_link("/", request)
        # Not the Site of the request's host ("Hello from localhost:8102"): the
        # platform, by name, wherever the request came in
        # (templates/account/email/base_message.txt).
        context["current_site"] = PlatformSite(
            name=PLATFORM_NAME, domain=urlsplit(home).netloc
        )
        context["platform_link"] = home
        super().send_mail(template_prefix, email, context)


@dataclass(frozen=True)
class PlatformSite:
    """What allauth's templates read of a Site: the platform's name and host."""

    name: str
    domain: str


def platform_link(url: str, request=None) -> str:
    """The same path and query on the platform host."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return platform_url(path or "/", request if _is_own_host(request) else None)


def _is_own_host(request) -> bool:
    """Whether the request's host is the platform's or a tenant subdomain of it,
    so its port may be kept (a custom domain's port is the custom domain's)."""
    if request is None:
        return False
    return on_base_domain(_hostname(request))


def _hostname(request) -> str:
    """The request's host without its port."""
    return request.get_host().rpartition(":")[0] or request.get_host()


class MfaAdapter(DefaultMFAAdapter):
    """Security keys and passkeys (WebAuthn) for our hosts."""

    def get_public_key_credential_rp_entity(self) -> dict[str, str]:
        """allauth's default takes the relying party id from the request's own
        host: a key registered on bandung.<BASE_DOMAIN> would then not work on
        the platform host or another tenant's. Ours: BASE_DOMAIN for the
        platform and its subdomains, the host itself for a custom domain
        (tenants.hosts.webauthn_rp_id). The name is what an authenticator may
        show beside the key; the host (allauth's default) would read
        "bandung.bagipakai.id:443" or the like."""
        from allauth.core import context

        return {"id": webauthn_rp_id(_hostname(context.request)), "name": PLATFORM_NAME}
