"""Shapes of what the API reads and writes.

Reads of the big table (values) bypass serializers at run time (see
`views.value_rows`): the serializers here still describe those rows in the
OpenAPI schema. Writes are validated by `indicators.services`, never here.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.fields import NumberOrTextField, StrictCharField, StrictIntegerField, StrictSerializer, Timestamp
from campaigns.models import Campaign, Target
from indicators.models import Indicator, Submission
from indicators.periods import YEAR_MAX, YEAR_MIN
from indicators.services import INDICATOR_COLUMNS
from organizations.models import OrgUnit


class IndicatorSerializer(serializers.ModelSerializer):
    group = serializers.CharField(source="group.code", read_only=True)
    group_name = serializers.CharField(source="group.name", read_only=True)
    name = serializers.CharField(read_only=True)
    reported_by = serializers.ListField(source="reported_by_kinds", child=serializers.CharField(), read_only=True)

    class Meta:
        model = Indicator
        fields = [*INDICATOR_COLUMNS, "group_name", "name", "is_active"]


class OrgUnitSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    parent = serializers.SerializerMethodField(help_text=_("Mã đơn vị cấp trên (null: gốc của cây)."))
    ancestors = serializers.SerializerMethodField(help_text=_("Mã các đơn vị từ gốc xuống đơn vị này (đường dẫn trong cây)."))
    predecessors = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True, help_text=_("Mã các đơn vị mà đơn vị này kế thừa (thành lập từ).")
    )
    successors = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True, help_text=_("Mã các đơn vị đã kế thừa đơn vị này (sáp nhập vào).")
    )

    class Meta:
        model = OrgUnit
        fields = [
            "code",
            "name",
            "name_vi",
            "name_en",
            "kind",
            "parent",
            "path",
            "ancestors",
            "depth",
            "valid_from",
            "valid_to",
            "predecessors",
            "successors",
        ]

    # The materialised path already names every ancestor: no join needed for the parent's code.
    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_parent(self, unit) -> str | None:
        codes = unit.ancestor_codes()
        return codes[-2] if len(codes) > 1 else None

    def get_ancestors(self, unit) -> list[str]:
        return unit.ancestor_codes()


class TargetSerializer(serializers.ModelSerializer):
    indicator = serializers.CharField(source="indicator.code", read_only=True)

    class Meta:
        model = Target
        fields = ["indicator", "value"]


class CampaignSerializer(serializers.ModelSerializer):
    lead_unit = serializers.CharField(source="lead_unit.code", read_only=True)
    scope_unit = serializers.CharField(source="scope_unit.code", read_only=True)
    targets = TargetSerializer(many=True, read_only=True)

    class Meta:
        model = Campaign
        fields = ["id", "year", "number", "issued_on", "issuer", "title", "lead_unit", "scope_unit", "targets"]


class ValueSerializer(serializers.Serializer):
    """One stored value (read). `value` is a plain decimal string ('2213', '85.93')."""

    id = serializers.IntegerField()
    org_unit = serializers.CharField()
    indicator = serializers.CharField()
    year = serializers.IntegerField()
    quarter = serializers.IntegerField(min_value=1, max_value=4)
    value = serializers.CharField(allow_null=True)
    numerator = serializers.IntegerField(allow_null=True)
    denominator = serializers.IntegerField(allow_null=True)
    note = serializers.CharField(allow_blank=True)
    version = serializers.IntegerField(help_text=_("Gửi lại trong `version` khi ghi để phát hiện xung đột."))
    updated_at = Timestamp()


class ValueRowSerializer(serializers.Serializer):
    """One row to write: the columns of the import file. Empty value fields clear the cell.

    The view checks each row's types with it (a string is a string); the rules of the value
    itself (whole, 0–100, numerator ≤ denominator…) are the service's.
    """

    org_unit = StrictCharField(max_length=40, help_text=_("Mã đơn vị, ví dụ HT-443."))
    indicator = StrictCharField(max_length=80, help_text=_("Mã chỉ tiêu."))
    year = StrictIntegerField(min_value=YEAR_MIN, max_value=YEAR_MAX)
    quarter = StrictIntegerField(min_value=1, max_value=4)
    value = NumberOrTextField(required=False, allow_null=True)
    numerator = StrictIntegerField(required=False, allow_null=True, min_value=0, help_text=_("Tử số (chỉ tiêu tỷ số)."))
    denominator = StrictIntegerField(required=False, allow_null=True, min_value=1, help_text=_("Mẫu số (chỉ tiêu tỷ số)."))
    note = StrictCharField(required=False, allow_blank=True, max_length=1000, trim_whitespace=False)
    version = StrictIntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        help_text=_("Phiên bản đã đọc (0: ô đang trống). Nếu số liệu đã đổi, cả yêu cầu bị từ chối với mã 409."),
    )


class SaveResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    cleared = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    dry_run = serializers.BooleanField()


class SubmissionSerializer(serializers.ModelSerializer):
    org_unit = serializers.CharField(source="org_unit.code", read_only=True)
    submitted_by = serializers.CharField(source="submitted_by.username", read_only=True, allow_null=True, default=None)
    reviewed_by = serializers.CharField(source="reviewed_by.username", read_only=True, allow_null=True, default=None)
    is_locked = serializers.BooleanField(read_only=True)
    submitted_at = Timestamp(read_only=True, allow_null=True)
    reviewed_at = Timestamp(read_only=True, allow_null=True)
    updated_at = Timestamp(read_only=True)

    class Meta:
        model = Submission
        fields = [
            "id",
            "org_unit",
            "year",
            "quarter",
            "status",
            "is_locked",
            "submitted_at",
            "submitted_by",
            "reviewed_at",
            "reviewed_by",
            "comment",
            "updated_at",
        ]


class SubmitSerializer(StrictSerializer):
    org_unit = StrictCharField(max_length=40)
    year = StrictIntegerField(min_value=YEAR_MIN, max_value=YEAR_MAX)
    quarter = StrictIntegerField(min_value=1, max_value=4)
    comment = StrictCharField(required=False, allow_blank=True, default="", max_length=2000)


class ReviewSerializer(StrictSerializer):
    comment = StrictCharField(required=False, allow_blank=True, default="", max_length=2000)


class ReasonSerializer(StrictSerializer):
    comment = StrictCharField(max_length=2000, help_text=_("Lý do (bắt buộc)."))


class FigureSerializer(serializers.Serializer):
    value = serializers.CharField(allow_null=True, help_text=_("Số dạng máy đọc: '2213', '85.93'."))
    numerator = serializers.IntegerField(allow_null=True)
    denominator = serializers.IntegerField(allow_null=True)
    display = serializers.CharField(help_text=_("Cách viết tiếng Việt: '2.213', '85,93%', '221/262', '—'."))


class CoverageSerializer(serializers.Serializer):
    reported = serializers.IntegerField(help_text=_("Số đơn vị đã báo cáo (trong lớp số liệu được hỏi)."))
    expected = serializers.IntegerField(help_text=_("Số đơn vị phải báo cáo trong kỳ (đang hoạt động, đúng loại)."))


class PreviousFigureSerializer(FigureSerializer):
    coverage = CoverageSerializer()
    comparable = serializers.BooleanField(help_text=_("Có so sánh được với số liệu kỳ này không (cùng độ bao phủ)."))
    predecessors = serializers.ListField(
        child=serializers.CharField(), help_text=_("Mã các đơn vị tiền thân có số liệu được cộng vào cùng kỳ.")
    )


class DocumentFigureSerializer(FigureSerializer):
    previous = PreviousFigureSerializer(help_text=_("Cùng kỳ năm trước, gồm cả các đơn vị tiền thân."))
    coverage = CoverageSerializer()


class ReportDocumentSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    quarter = serializers.IntegerField()
    org_unit = serializers.CharField()
    status = serializers.ChoiceField(choices=["official", "submitted", "all"], help_text=_("Lớp số liệu."))
    provisional = serializers.CharField(
        help_text=_("Ghi chú 'số liệu tạm tính' khi không phải số liệu chính thức; rỗng nếu chính thức.")
    )
    coverage = CoverageSerializer()
    figures = serializers.DictField(child=DocumentFigureSerializer(), help_text=_("Theo mã chỉ tiêu."))


class ErrorItemSerializer(serializers.Serializer):
    index = serializers.IntegerField(
        allow_null=True, help_text=_("Vị trí (từ 0) của dòng trong mảng gửi lên; null nếu không theo dòng.")
    )
    field = serializers.CharField(allow_blank=True)
    message = serializers.CharField()


class ConflictSerializer(serializers.Serializer):
    """A row whose `version` is older than the stored one (409)."""

    index = serializers.IntegerField(help_text=_("Vị trí (từ 0) của dòng trong mảng gửi lên."))
    org_unit = serializers.CharField()
    indicator = serializers.CharField()
    year = serializers.IntegerField()
    quarter = serializers.IntegerField()
    your_version = serializers.IntegerField()
    current_version = serializers.IntegerField()
    current = serializers.DictField(allow_null=True, help_text=_("Giá trị đang lưu (value, numerator, denominator, note)."))
    updated_by = serializers.CharField(allow_null=True)
    updated_at = Timestamp(allow_null=True)


class ErrorSerializer(serializers.Serializer):
    """Every error response has this shape; messages in Vietnamese, English with Accept-Language: en."""

    detail = serializers.CharField()
    code = serializers.CharField()
    errors = ErrorItemSerializer(many=True)
    conflicts = ConflictSerializer(many=True, required=False, help_text=_("Chỉ với mã 409 khi ghi số liệu."))
