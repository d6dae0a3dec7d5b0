"""OpenAPI: every operation also documents the shared error body for the codes it can return."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_bearer_security_scheme_object

from api.serializers import ErrorSerializer

# Every operation validates its query or body (400), needs a login (401), applies the unit
# rules (403/404) and is throttled for tokens (429).
COMMON_ERRORS = {
    "400": "Dữ liệu không hợp lệ",
    "401": "Chưa xác thực",
    "403": "Không có quyền",
    "404": "Không tìm thấy",
    "429": "Quá nhiều yêu cầu",
}


class ApiSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, description in COMMON_ERRORS.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code, ["application/json"])
                responses[code]["description"] = description
        return responses


class TokenScheme(OpenApiAuthenticationExtension):
    """`Authorization: Token <key>` (knox: stored as a digest, expiring)."""

    target_class = "api.auth.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token")


def _strip_titles(schema):
    """Vietnamese `title`s become class names in generated clients (`ValuesListQuÝ`): the description says it."""
    if isinstance(schema, dict):
        if isinstance(schema.get("title"), str):  # a schema's label, not a property named `title` (an activity's)
            del schema["title"]
        for key, value in schema.items():
            if key == "properties":
                for prop in value.values():
                    _strip_titles(prop)
            else:
                _strip_titles(value)
    elif isinstance(schema, list):
        for value in schema:
            _strip_titles(value)


NO_NUL = "^[^\\u0000]*$"


def _no_nul(schema: dict) -> None:
    if schema.get("type") == "string" and not ({"enum", "format", "pattern"} & set(schema)):
        schema["pattern"] = NO_NUL


def postprocess(result, generator, request, public):
    """What the serializers cannot say: the catalogue's codes (read at request time, so an indicator
    added in the admin is in the next schema), `aggregates?indicator=` as a list, no titles."""
    from django.db import DatabaseError

    from api.views import MAX_ROWS
    from indicators.models import Indicator, IndicatorGroup
    from indicators.periods import YEAR_MAX, YEAR_MIN

    try:
        indicators = list(Indicator.objects.order_by("code").values_list("code", flat=True))
        groups = list(IndicatorGroup.objects.order_by("code").values_list("code", flat=True))
    except DatabaseError:
        # `manage.py check` (drf-spectacular builds the schema) on a database not migrated yet, as in a
        # deploy before `migrate`: the schema goes without the catalogue's enums rather than failing.
        indicators, groups = [], []

    def enum(schema, codes):
        if codes:  # OpenAPI wants at least one value; an empty catalogue leaves the plain string
            schema["enum"] = codes

    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            if body.get("type") == "array":  # values/: a non-empty array of at most MAX_ROWS rows
                body["minItems"], body["maxItems"] = 1, MAX_ROWS
            for p in operation.get("parameters", []):
                if p["name"] == "year" and p["schema"].get("type") == "integer":
                    p["schema"].update(minimum=YEAR_MIN, maximum=YEAR_MAX)
                if p["in"] != "query":
                    continue
                if p["name"] == "indicator" and path.endswith("/aggregates/"):
                    p["schema"] = {"type": "array", "items": {"type": "string"}}
                    enum(p["schema"]["items"], indicators)
                    p["style"], p["explode"] = "form", True
                    p["description"] = "Mã chỉ tiêu; lặp lại tham số (hoặc cách nhau bằng dấu phẩy) cho nhiều chỉ tiêu."
                elif p["name"] == "indicator":
                    enum(p["schema"], indicators)
                elif p["name"] == "group":
                    enum(p["schema"], groups)
    components = result.get("components", {}).get("schemas", {})
    if "ValueRowRequest" in components:
        enum(components["ValueRowRequest"]["properties"]["indicator"], indicators)
    # Request bodies are closed (an unknown key is a 400) and no text may carry NUL (PostgreSQL
    # cannot store it: a 400 too), so the schema says both.
    for name, component in components.items():
        if name.endswith("Request") and component.get("type") == "object":
            component["additionalProperties"] = False
            for prop in component.get("properties", {}).values():
                _no_nul(prop)
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for p in operation.get("parameters", []):
                _no_nul(p["schema"])
    _strip_titles(result.get("paths"))
    _strip_titles(result.get("components", {}).get("schemas"))
    return result
