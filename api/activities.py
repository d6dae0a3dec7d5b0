"""REST API of the activity log: `activities/` (list with filters, all-or-nothing bulk create) and attachments.

Writes go through campaigns.services (the same checks as the quick-add page and `import_activities`);
visibility through organizations.access, like every other endpoint. Attachment files are downloaded
through the browser's evidence view, which applies the same rules.
"""

from django.urls import reverse
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, parsers, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.filters import IdFilter, UnitSubtreeMixin, YearFilter
from api.parsers import JSONParser, StrictInputMixin
from api.permissions import may_write_values
from api.selectors import _scoped
from api.views import _refuse_unknown_units
from campaigns.evidence import EvidenceRejected, check_size
from campaigns.models import Activity, ActivityKind, ActivityTopic, Evidence
from campaigns.services import ACTIVITY_COLUMNS, ACTIVITY_EXTRA_COLUMNS, ActivityRow, activities_save, evidence_attach
from indicators.models import Channel
from indicators.periods import Quarter
from reform_portal.tabular import RowError, RowsInvalid

MAX_ROWS = 2000
ROW_KEYS = set(ACTIVITY_COLUMNS) | set(ACTIVITY_EXTRA_COLUMNS)


class ActivityFilter(UnitSubtreeMixin):
    year = YearFilter()
    quarter = filters.TypedChoiceFilter(choices=Quarter.choices, coerce=int)
    kind = filters.ChoiceFilter(choices=ActivityKind.choices)
    campaign = IdFilter(field_name="campaign_id", help_text="Mã số (id) kế hoạch.")
    date_from = filters.DateFilter(field_name="date", lookup_expr="gte", help_text="Từ ngày (YYYY-MM-DD).")
    date_to = filters.DateFilter(field_name="date", lookup_expr="lte", help_text="Đến ngày (YYYY-MM-DD).")

    class Meta:
        model = Activity
        fields = []


class EvidenceSerializer(serializers.ModelSerializer):
    download = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = ["id", "name", "url", "content_type", "size", "sha256", "description", "uploaded_at", "download"]

    def get_download(self, ev) -> str | None:
        if not ev.file:
            return None
        return self.context["request"].build_absolute_uri(reverse("campaigns:evidence_download", args=[ev.pk]))


class ActivitySerializer(serializers.ModelSerializer):
    org_unit = serializers.CharField(source="org_unit.code")
    evidence = EvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = Activity
        fields = [
            "id",
            "org_unit",
            "kind",
            "topic",
            "date",
            "end_date",
            "year",
            "quarter",
            "title",
            "outlet",
            "place",
            "quantity",
            "participants",
            "citizens",
            "businesses",
            "officials",
            "campaign",
            "url",
            "note",
            "version",
            "recorded_at",
            "updated_at",
            "evidence",
        ]


class ActivityRowSerializer(serializers.Serializer):
    """One row of a bulk create: the import file's columns (documentation only; campaigns.services checks them)."""

    org_unit = serializers.CharField()
    kind = serializers.ChoiceField(choices=ActivityKind.choices)
    date = serializers.DateField()
    title = serializers.CharField(max_length=300)
    end_date = serializers.DateField(required=False)
    topic = serializers.ChoiceField(choices=ActivityTopic.choices, required=False)
    outlet = serializers.CharField(required=False, max_length=200)
    place = serializers.CharField(required=False, max_length=200)
    quantity = serializers.IntegerField(required=False, min_value=0)
    participants = serializers.IntegerField(required=False, min_value=0)
    citizens = serializers.IntegerField(required=False, min_value=0)
    businesses = serializers.IntegerField(required=False, min_value=0)
    officials = serializers.IntegerField(required=False, min_value=0)
    campaign = serializers.CharField(required=False, help_text="Số hiệu (394/KH-UBND) hoặc id của kế hoạch")
    url = serializers.URLField(required=False, max_length=500)
    note = serializers.CharField(required=False, max_length=1000)


class CreatedSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    dry_run = serializers.BooleanField()
    ids = serializers.ListField(child=serializers.IntegerField())


class AttachmentSerializer(serializers.Serializer):
    file = serializers.FileField(required=False)
    url = serializers.CharField(required=False)
    description = serializers.CharField(required=False)


def _problems(data) -> list[RowError]:
    out = []
    for i, d in enumerate(data):
        if not isinstance(d, dict):
            out.append(RowError(i, "", _("Mỗi dòng phải là một đối tượng JSON.")))
            continue
        for key in sorted(set(d) - ROW_KEYS, key=str):
            out.append(RowError(i, str(key), _("Cột không có trong mẫu nhập: «%(k)s».") % {"k": key}))
    return out


@extend_schema_view(
    list=extend_schema(summary="Nhật ký hoạt động tuyên truyền"),
    retrieve=extend_schema(summary="Một hoạt động"),
    create=extend_schema(
        summary="Ghi hoạt động hàng loạt (tất cả hoặc không)",
        description="Một mảng JSON các dòng với các cột của tệp import_activities; có một dòng sai thì không dòng nào được lưu.",
        parameters=[OpenApiParameter("dry_run", bool, required=False, description="Chỉ kiểm tra, không lưu.")],
        request=ActivityRowSerializer(many=True),
        responses={200: CreatedSerializer},
    ),
)
class ActivityViewSet(StrictInputMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Activities of the units the caller may read; clerks write their own units' activities."""

    serializer_class = ActivitySerializer
    filterset_class = ActivityFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        qs = Activity.objects.select_related("org_unit").prefetch_related("evidence").order_by("date", "id")
        return _scoped(qs, self.request.user, "org_unit")

    def create(self, request, *args, **kwargs):
        if not may_write_values(request.user):
            raise exceptions.PermissionDenied(_("Tài khoản của bạn chỉ được đọc, không được ghi."))
        data = request.data
        if not isinstance(data, list) or not data:
            raise exceptions.ValidationError(_("Gửi một mảng JSON (không rỗng) các hoạt động."))
        if len(data) > MAX_ROWS:
            raise exceptions.ValidationError(_("Mỗi lần gửi tối đa %(n)s dòng.") % {"n": MAX_ROWS})
        dry_run = serializers.BooleanField().to_internal_value(request.query_params.get("dry_run", "false"))
        problems = _problems(data)
        if problems:
            raise RowsInvalid(problems)
        rows = [ActivityRow.from_mapping(d, row=i) for i, d in enumerate(data)]
        _refuse_unknown_units(request.user, rows, problems)  # an unknown or foreign unit: 404, like values/
        saved = activities_save(rows=rows, by=request.user, channel=Channel.API, dry_run=dry_run)
        return Response({"created": len(saved), "dry_run": dry_run, "ids": [] if dry_run else [a.pk for a in saved]})

    @extend_schema(
        methods=["GET"], summary="Tài liệu kiểm chứng của một hoạt động", responses={200: EvidenceSerializer(many=True)}
    )
    @extend_schema(
        methods=["POST"],
        summary="Đính kèm tệp (multipart, trường `file`) hoặc đường dẫn (`url`)",
        request={"multipart/form-data": AttachmentSerializer, "application/json": AttachmentSerializer},
        responses={201: EvidenceSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[parsers.MultiPartParser, JSONParser],
        pagination_class=None,
        filter_backends=[],
    )
    def attachments(self, request, pk=None):
        activity = self.get_object()  # 404 when the caller may not read the unit
        if request.method == "GET":
            return Response(EvidenceSerializer(activity.evidence.all(), many=True, context={"request": request}).data)
        if not may_write_values(request.user):
            raise exceptions.PermissionDenied(_("Tài khoản của bạn chỉ được đọc, không được ghi."))
        f = request.FILES.get("file")
        url = request.data.get("url") if hasattr(request.data, "get") else None
        description = str(request.data.get("description") or "") if hasattr(request.data, "get") else ""
        if not f and not url:
            raise exceptions.ValidationError({"file": [_("Gửi một tệp (file) hoặc một đường dẫn (url).")]})
        try:
            if f:
                check_size(name=f.name, size=f.size)
                ev = evidence_attach(by=request.user, activity=activity, name=f.name, data=f.read(), description=description)
            else:
                ev = evidence_attach(by=request.user, activity=activity, url=str(url), description=description)
        except EvidenceRejected as exc:
            raise exceptions.ValidationError({"file" if f else "url": [str(exc)]}) from None
        return Response(EvidenceSerializer(ev, context={"request": request}).data, status=201)
