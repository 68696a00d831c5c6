"""The public verify page of a tenant's audit histories (/verify/)."""

from __future__ import annotations

from django.http import Http404, JsonResponse
from django.shortcuts import render

from core import chain as chainlib

from .anchoring import anchors_of, chain_verify
from .chains import chain_get, chains
from .forms import SavedHeadForm
from .heads import head_document


def chain_verify_page(request):
    tenant = request.tenant
    form = SavedHeadForm(
        request.GET if "seq" in request.GET or "hash" in request.GET else None
    )
    saved = (
        (form.cleaned_data["seq"], form.cleaned_data["hash"])
        if form.is_valid()
        else None
    )
    results = [
        {"chain": chain, "result": chain_verify(tenant, chain, saved_head=saved)}
        for chain in chains()
    ]
    return render(
        request,
        "tenants/chain_verify.html",
        {"results": results, "form": form, "checked_saved": saved is not None},
    )


def chain_head_download(request, key):
    """The last anchored head of a chain as a head file (JSON)."""
    chain = chain_get(key)
    if chain is None:
        raise Http404
    anchors = anchors_of(request.tenant.pk, chain.key)
    if anchors:
        last = anchors[-1]
        seq, hash_, batch = last.seq, last.hash, last.batch_seq
    else:
        seq, hash_, batch = 0, chainlib.GENESIS, None
    document = head_document(
        tenant_slug=request.tenant.slug,
        chain=chain.key,
        seq=seq,
        hash=hash_,
        batch_seq=batch,
    )
    response = JsonResponse(document)
    response["Content-Disposition"] = (
        f'attachment; filename="head-{request.tenant.slug}-{chain.key}-{seq}.json"'
    )
    return response
