from django.http import HttpResponse

from tenants.access import member_required

from .models import Entry


def public(request):
    return HttpResponse(", ".join(Entry.objects.values_list("text", flat=True)) or "-")


@member_required()
def staff(request):
    return HttpResponse(f"staff page of {request.tenant.slug}")
