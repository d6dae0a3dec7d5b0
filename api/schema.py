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
