"""Error pages that Django draws outside any app's view."""

from django.shortcuts import render
from django.utils.translation import gettext as _


def csrf_failure(request, reason=""):
    """A refused form (its security token expired or missing): the friendly 403
    page, in the visitor's language, saying what to do — never Django's page."""
    return render(
        request,
        "403.html",
        {
            "exception": _(
                "This form was open too long or came from another page, so it "
                "was not sent. Go back, reload the page and send it again: what "
                "you typed may still be there."
            )
        },
        status=403,
    )
