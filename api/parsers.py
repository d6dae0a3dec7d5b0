"""Input text the database cannot store is bad input (400), never a server error.

PostgreSQL refuses NUL characters in text, and JSON may carry lone UTF-16
surrogates that no encoder accepts; both are rejected here, for bodies
(JSONParser) and query strings (StrictInputMixin).
"""

from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers


def unstorable(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _walk(data) -> bool:
    if isinstance(data, str):
        return unstorable(data)
    if isinstance(data, dict):
        return any(_walk(k) or _walk(v) for k, v in data.items())
    if isinstance(data, list):
        return any(_walk(v) for v in data)
    return False


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if _walk(data):
            raise exceptions.ParseError(_("Nội dung có ký tự không hợp lệ (NUL hoặc mã UTF-16 lẻ)."))
        return data


class StrictInputMixin:
    """Views that read query parameters: refuse unstorable text before any query runs."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        for key, values in request.query_params.lists():
            if unstorable(key) or any(unstorable(v) for v in values):
                raise exceptions.ValidationError({key: [_("Có ký tự không hợp lệ (NUL).")]})
