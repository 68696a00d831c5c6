"""Schemathesis hooks for the API runs (tools/api_fuzz.py and the test suite's
bounded run): the OpenAPI document's own YAML media type is read as YAML, so
that its answers are checked against what the document says of itself."""

import schemathesis
import yaml


@schemathesis.deserializer("application/vnd.oai.openapi")
def openapi_yaml(ctx, response):
    return yaml.safe_load(response.content)
