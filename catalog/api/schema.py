"""The OpenAPI document at /api/v1/schema/, a resource of the API it describes."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.cache import get_conditional_response, set_response_etag
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularAPIView

from core.api import InvalidParameters, PreconditionFailed

from ..selectors import ParamError
from .http import PublicAPIView, public_cache_control

_DOCUMENT = {
    "type": "object",
    "description": "An OpenAPI 3 document.",
    "required": ["openapi", "info", "paths"],
    "additionalProperties": True,
}


class SchemaView(PublicAPIView, SpectacularAPIView):
    """drf-spectacular's view with the API's HTTP behaviour: errors as problem
    details in JSON (never in the document's YAML), 406 naming the formats it
    has, `Cache-Control: public` and conditional GET.

    Its ETag is the document's own digest: the document changes with the code
    (and the language), not with the catalog, so the catalog's generation
    (catalog.api.http) would not say when it changed, and it has no
    Last-Modified either.
    """

    @extend_schema(
        operation_id="schema_retrieve",
        summary="This API's OpenAPI document",
        description="YAML unless the Accept header or `format` asks for JSON. "
        "Its descriptions of codes (`enum` values) are in the language of "
        "`lang`, else of Accept-Language. Unknown parameters are ignored.",
        # `format` comes with the 406 (catalog.api.openapi.document_http), the
        # languages of `lang` from settings.LANGUAGES there too.
        parameters=[
            OpenApiParameter(
                "lang",
                str,
                description="Instead of Accept-Language; any other language: 400.",
            ),
        ],
        responses={
            (200, renderer.media_type): OpenApiResponse(
                _DOCUMENT, description="OpenAPI 3.0 (https://spec.openapis.org/)."
            )
            for renderer in SpectacularAPIView.renderer_classes
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        # What super() sets first, which an error answered from here needs.
        self.format_kwarg = self.get_format_suffix(**kwargs)
        # drf-spectacular writes the document in ?lang's language; its errors
        # (and Content-Language) follow, before anything else can fail.
        values = request.query_params.getlist("lang")
        if values:
            if len(values) > 1:
                message = _("Give “%(name)s” only once.") % {"name": "lang"}
                raise InvalidParameters([ParamError("lang", message)])
            if values[0] not in dict(settings.LANGUAGES):
                message = _("“%(value)s” is not a value of “%(name)s”.") % {
                    "value": values[0][:60],
                    "name": "lang",
                }
                raise InvalidParameters([ParamError("lang", message)])
            translation.activate(values[0])
            request._request.LANGUAGE_CODE = values[0]
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code != 200:
            return response
        response["Cache-Control"] = public_cache_control()
        response.render()
        set_response_etag(response)
        answer = get_conditional_response(
            request, etag=response["ETag"], response=response
        )
        if answer.status_code == 412:
            problem = self.handle_exception(PreconditionFailed())
            return super().finalize_response(request, problem, *args, **kwargs)
        return answer
