"""Fields that hold the server to its schema: a string is a string, an integer an integer.

DRF's own fields coerce (`"comment": 0` becomes "0", `"year": "2019"` becomes
2019), so a client written against the schema could send what the schema
forbids and never learn. Timestamps have one format everywhere (JSON, CSV,
conflict bodies): ISO 8601 in the portal's time zone, with its offset.
"""

import datetime
import re

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


def iso_timestamp(value: datetime.datetime | None, tz: datetime.tzinfo | None = None) -> str | None:
    """`2026-12-01T14:08:36.026740+07:00`: local time, offset, microseconds (exact for `updated_since`).

    `tz`: the portal's zone when the caller looked it up once for many rows.
    """
    if value is None:
        return None
    return value.astimezone(tz or timezone.get_current_timezone()).isoformat(timespec="microseconds")


class Timestamp(serializers.DateTimeField):
    def to_representation(self, value):
        return iso_timestamp(value)


class StrictCharField(serializers.CharField):
    default_error_messages = {"invalid": _("Phải là một chuỗi ký tự.")}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    default_error_messages = {"invalid": _("Phải là một số nguyên.")}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


DECIMAL_TEXT = r"-?\d{0,14}(?:[.,]\d{0,2})?"


@extend_schema_field(
    {
        "oneOf": [{"type": "number"}, {"type": "string", "pattern": f"^{DECIMAL_TEXT}$"}],
        "nullable": True,
        "description": 'Số đếm hoặc tỷ lệ % (số JSON hoặc chuỗi, ví dụ 25 hoặc "85.93").',
    }
)
class NumberOrTextField(serializers.Field):
    """A value as JSON number or decimal text; its rules (whole, 0–100…) depend on the indicator: the service checks."""

    default_error_messages = {"invalid": _("Phải là một số.")}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, float, str)):
            self.fail("invalid")
        if isinstance(data, str) and not re.fullmatch(DECIMAL_TEXT, data):
            self.fail("invalid")
        return data


class StrictSerializer(serializers.Serializer):
    """A request body: a key the schema does not name is an error, not silently dropped."""

    def validate(self, attrs):
        if isinstance(self.initial_data, dict):
            unknown = sorted(set(self.initial_data) - set(self.fields), key=str)
            if unknown:
                raise serializers.ValidationError({k: [_("Trường không có trong yêu cầu.")] for k in unknown})
        return attrs
