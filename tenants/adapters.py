from allauth.account.adapter import DefaultAccountAdapter

from .access import membership_for


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
