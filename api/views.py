"""REST API v1: thin views over organizations.access, indicators.services/workflow/aggregation."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from api import selectors
from api.conditional import document_response
from api.exceptions import UnknownUnits
from api.fields import iso_timestamp
from api.filters import CampaignFilter, IndicatorFilter, OrgUnitFilter, StrictBooleanField, SubmissionFilter, ValueFilter
from api.pagination import ValueCursorPagination
from api.parsers import StrictInputMixin
from api.permissions import may_write_values
from api.renderers import ValuesCSVRenderer, csv_lines, wants_bom
from api.serializers import (
    CampaignSerializer,
    ErrorSerializer,
    IndicatorSerializer,
    OrgUnitSerializer,
    ReasonSerializer,
    ReportDocumentSerializer,
    ReviewSerializer,
    SaveResultSerializer,
    SubmissionSerializer,
    SubmitSerializer,
    ValueRowSerializer,
    ValueSerializer,
)
from indicators import kept_lookups, workflow
from indicators.aggregation import Layer, figures_document, report_document
from indicators.models import Channel, Indicator
from indicators.periods import YEAR_MAX, YEAR_MIN
from indicators.services import VALUE_COLUMNS, ValueRow, values_save, values_validate
from organizations import access
from organizations.models import OrgUnit
from reform_portal.tabular import RowError, RowsInvalid

CODE_REGEX = r"[A-Za-z0-9][A-Za-z0-9_.-]*"
MAX_ROWS = 5000
ROW_KEYS = set(VALUE_COLUMNS) | {"version"}


@extend_schema_view(list=extend_schema(summary="Danh mục chỉ tiêu"), retrieve=extend_schema(summary="Một chỉ tiêu"))
class IndicatorViewSet(StrictInputMixin, viewsets.ReadOnlyModelViewSet):
    """The indicator catalogue, in report order. The same for every logged-in user."""

    queryset = Indicator.objects.in_report_order()
    serializer_class = IndicatorSerializer
    filterset_class = IndicatorFilter
    lookup_field = "code"
    lookup_value_regex = CODE_REGEX


@extend_schema_view(list=extend_schema(summary="Đơn vị được xem"), retrieve=extend_schema(summary="Một đơn vị"))
class OrgUnitViewSet(StrictInputMixin, viewsets.ReadOnlyModelViewSet):
    """Units the caller may read, in tree order; `ancestors` is the path from the root."""

    serializer_class = OrgUnitSerializer
    filterset_class = OrgUnitFilter
    lookup_field = "code"
    lookup_value_regex = CODE_REGEX

    def get_queryset(self):
        # Codes only: prefetching the two sides of the succession keeps the list at three queries.
        return (
            selectors.visible_units(self.request.user)
            .order_by("path")
            .prefetch_related(
                Prefetch("predecessors", OrgUnit.objects.only("code")), Prefetch("successors", OrgUnit.objects.only("code"))
            )
        )


@extend_schema_view(list=extend_schema(summary="Kế hoạch tuyên truyền"), retrieve=extend_schema(summary="Một kế hoạch"))
class CampaignViewSet(StrictInputMixin, viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = r"\d+"
    serializer_class = CampaignSerializer
    filterset_class = CampaignFilter

    def get_queryset(self):
        return selectors.campaigns_visible_to(self.request.user)


def stored_decimal_text(d) -> str | None:
    """`formatting.plain` for a stored value (at most two decimals, as the column holds them): '2213', '85.9'.

    The same text without the Decimal arithmetic: trailing zeros of the fraction dropped.
    """
    if d is None:
        return None
    text = format(d, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def value_rows(rows):
    """Rows of `selectors.VALUE_COLUMNS` as the API shows them (see ValueSerializer), the time zone looked up once."""
    tz = timezone.get_current_timezone()
    for pk, year, quarter, value, numerator, denominator, note, version, updated_at, unit, indicator in rows:
        yield {
            "id": pk,
            "org_unit": unit,
            "indicator": indicator,
            "year": year,
            "quarter": quarter,
            "value": stored_decimal_text(value),
            "numerator": numerator,
            "denominator": denominator,
            "note": note,
            "version": version,
            "updated_at": iso_timestamp(updated_at, tz),
        }


def _value_row_in(d: dict, index: int) -> ValueRow:
    r = ValueRow.from_mapping(d, row=index)
    # from_mapping reads text files, where 0 and "" look alike; in JSON version 0 means "I saw an empty cell".
    r.version = d.get("version") if isinstance(d.get("version"), int) else None
    return r


def _row_problems(data) -> list[RowError]:
    """Shape errors, before the service: not an object, unknown columns, a type the schema does not allow."""
    problems = []
    for i, d in enumerate(data):
        if not isinstance(d, dict):
            problems.append(RowError(i, "", _("Mỗi dòng phải là một đối tượng JSON.")))
            continue
        for key in sorted(set(d) - ROW_KEYS, key=str):
            problems.append(RowError(i, str(key), _("Cột không có trong mẫu nhập: «%(k)s».") % {"k": key}))
        shape = ValueRowSerializer(data={k: v for k, v in d.items() if k in ROW_KEYS})
        if not shape.is_valid():
            for name, messages in shape.errors.items():
                problems += [RowError(i, name, str(m)) for m in messages]
    return problems


def _flag(request, name: str) -> bool | None:
    """A true/false query parameter (None when absent); anything else is a 400 naming it."""
    try:
        return StrictBooleanField(required=False).clean(request.query_params.get(name))
    except DjangoValidationError as exc:
        raise exceptions.ValidationError({name: exc.messages}) from exc


def _refuse_unknown_units(user, rows: list[ValueRow], problems: list[RowError]) -> None:
    """Rows naming a unit the caller cannot read (unknown or foreign): 404, as for any other lookup."""
    shaped = {(p.row, p.field) for p in problems}
    codes = {r.org_unit for r in rows if (r.row, "org_unit") not in shaped}
    known = set(selectors.visible_units(user).filter(code__in=codes).values_list("code", flat=True))
    missing = [r for r in rows if (r.row, "org_unit") not in shaped and r.org_unit not in known]
    if missing:
        raise UnknownUnits(
            [
                {"index": r.row, "field": "org_unit", "message": _("Không tìm thấy đơn vị «%(c)s».") % {"c": r.org_unit}}
                for r in missing
            ]
        )


@extend_schema_view(
    list=extend_schema(
        summary="Số liệu theo quý",
        description="Phân trang bằng con trỏ: theo `next` (cũng có trong tiêu đề `Link`) cho đến khi là null. "
        "Tệp CSV: thao tác `values_csv`.",
        responses={(200, "application/json"): ValueSerializer(many=True)},
    ),
    create=extend_schema(
        summary="Ghi số liệu hàng loạt (tất cả hoặc không)",
        description=(
            "Một mảng JSON các dòng với các cột của tệp nhập. Mọi dòng được kiểm tra trước; "
            "có một dòng sai thì không dòng nào được lưu (400, mỗi lỗi kèm `index`, `field`, `message`). "
            "Dòng cho đơn vị bạn không xem được (hoặc không có): 404; đơn vị bạn chỉ được xem: 403. "
            "Phiên bản cũ hơn bản đang lưu: 409 (`conflicts`, mỗi dòng kèm `index`). "
            "Ô để trống (không có value/numerator/denominator) sẽ bị xóa."
        ),
        parameters=[OpenApiParameter("dry_run", bool, required=False, description="Chỉ kiểm tra, không lưu.")],
        request=ValueRowSerializer(many=True),
        responses={200: SaveResultSerializer, 409: OpenApiResponse(ErrorSerializer, description="Xung đột phiên bản")},
    ),
)
class ValueViewSet(StrictInputMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Values of the units the caller may read; clerks write their own units' values."""

    serializer_class = ValueSerializer
    filterset_class = ValueFilter
    pagination_class = ValueCursorPagination

    csv_bom = False

    def get_renderers(self):
        if getattr(self, "action", None) == "csv":
            return [ValuesCSVRenderer()]
        return [JSONRenderer()]

    def perform_content_negotiation(self, request, force=False):
        # One operation, one media type: the list is JSON, the file is values/csv/ (same filters).
        if not force and getattr(self, "action", None) == "list" and request.query_params.get("format") == "csv":
            raise exceptions.ValidationError({"format": [_("Tệp CSV: dùng values/csv/ với cùng các bộ lọc.")]})
        return super().perform_content_negotiation(request, force)

    def get_queryset(self):
        return selectors.values_visible_to(self.request.user)

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors are JSON even when the caller asked for CSV: one error format to parse.
        if response.status_code >= 400 and isinstance(response, Response):
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(list(value_rows(page)))

    @extend_schema(
        summary="Số liệu theo quý, dạng tệp CSV",
        description=(
            "Các cột của tệp nhập (org_unit, indicator, year, quarter, value, numerator, denominator, note) "
            "và version, updated_at, id; cùng các bộ lọc như `values_list`. `all=true`: mọi dòng của bộ lọc "
            "trong một tệp (truyền dần, không phân trang), dùng được với `pandas.read_csv(url)`. Không có "
            "`all`: một trang (`page_size`, `cursor`), trang sau ở tiêu đề `Link`. `bom=true`: thêm BOM UTF-8 "
            "cho Excel (mặc định có khi tải bằng trình duyệt, không có khi dùng token)."
        ),
        filters=True,
        parameters=[
            OpenApiParameter("all", bool, required=False, description="Mọi dòng của bộ lọc, không phân trang."),
            OpenApiParameter("bom", bool, required=False, description="Thêm BOM UTF-8 ở đầu tệp (cho Excel)."),
            OpenApiParameter("cursor", str, required=False, description="Con trỏ trang (từ tiêu đề `Link`)."),
            OpenApiParameter(
                "page_size", {"type": "integer", "minimum": 1}, required=False, description="Số dòng một trang (tối đa 5000)."
            ),
        ],
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="Tệp CSV, UTF-8.")},
        operation_id="values_csv",
    )
    @action(detail=False, methods=["get"], url_path="csv")
    def csv(self, request):
        everything, bom = _flag(request, "all"), _flag(request, "bom")
        self.csv_bom = wants_bom(request, bom)
        rows = self.filter_queryset(self.get_queryset())
        if everything:
            lines = csv_lines(value_rows(rows.order_by("id").iterator(chunk_size=2000)), bom=self.csv_bom)
            response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = 'attachment; filename="values.csv"'
            return response
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(list(value_rows(page)))

    def create(self, request, *args, **kwargs):
        if not may_write_values(request.user):
            raise exceptions.PermissionDenied(_("Tài khoản của bạn chỉ được đọc số liệu, không được ghi."))
        data = request.data
        if not isinstance(data, list) or not data:
            raise exceptions.ValidationError(_("Gửi một mảng JSON (không rỗng) các dòng số liệu."))
        if len(data) > MAX_ROWS:
            raise exceptions.ValidationError(_("Mỗi lần gửi tối đa %(n)s dòng.") % {"n": MAX_ROWS})
        dry_run = serializers.BooleanField().to_internal_value(request.query_params.get("dry_run", "false"))
        problems = _row_problems(data)
        rows = [_value_row_in(d, i) for i, d in enumerate(data) if isinstance(d, dict)]
        _refuse_unknown_units(request.user, rows, problems)
        if problems:
            # Report the service's findings on the other rows too: every problem in one answer.
            shaped = {p.row for p in problems}
            try:
                values_validate([r for r in rows if r.row not in shaped])
            except RowsInvalid as exc:
                problems += exc.errors
            raise RowsInvalid(sorted(problems, key=lambda e: (e.row, e.field)))
        result = values_save(rows=rows, by=request.user, channel=Channel.API, dry_run=dry_run)
        return Response(
            {
                "created": result.created,
                "updated": result.updated,
                "cleared": result.cleared,
                "unchanged": result.unchanged,
                "dry_run": dry_run,
            }
        )


@extend_schema_view(
    list=extend_schema(summary="Báo cáo quý của các đơn vị được xem"),
    retrieve=extend_schema(summary="Một báo cáo quý"),
)
class SubmissionViewSet(StrictInputMixin, viewsets.ReadOnlyModelViewSet):
    """Submissions (unit × quarter) and their workflow, with the browser's rules (indicators.workflow)."""

    serializer_class = SubmissionSerializer
    filterset_class = SubmissionFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return selectors.submissions_visible_to(self.request.user)

    def _done(self, sub):
        return Response(SubmissionSerializer(sub, context=self.get_serializer_context()).data)

    def _body(self, serializer_class):
        s = serializer_class(data=self.request.data)
        s.is_valid(raise_exception=True)
        return s.validated_data

    @extend_schema(
        summary="Gửi duyệt báo cáo quý của một đơn vị (cán bộ nhập liệu)",
        request=SubmitSerializer,
        responses={200: SubmissionSerializer, 409: OpenApiResponse(ErrorSerializer, description="Trạng thái không cho phép")},
    )
    @action(detail=False, methods=["post"])
    def submit(self, request):
        body = self._body(SubmitSerializer)
        unit = access.get_unit_for_entry(request.user, body["org_unit"])  # 404 / 403
        sub = workflow.submission_submit(
            org_unit=unit,
            year=body["year"],
            quarter=body["quarter"],
            by=request.user,
            comment=body["comment"],
            channel=Channel.API,
        )
        return self._done(sub)

    @extend_schema(
        summary="Phê duyệt (cán bộ thẩm định)",
        request=ReviewSerializer,
        responses={200: SubmissionSerializer, 409: OpenApiResponse(ErrorSerializer, description="Trạng thái không cho phép")},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        body = self._body(ReviewSerializer)
        sub = workflow.submission_approve(
            submission=self.get_object(), by=request.user, comment=body["comment"], channel=Channel.API
        )
        return self._done(sub)

    @extend_schema(
        summary="Trả lại, kèm lý do (cán bộ thẩm định)",
        request=ReasonSerializer,
        responses={200: SubmissionSerializer, 409: OpenApiResponse(ErrorSerializer, description="Trạng thái không cho phép")},
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        body = self._body(ReasonSerializer)
        sub = workflow.submission_return(
            submission=self.get_object(), by=request.user, comment=body["comment"], channel=Channel.API
        )
        return self._done(sub)

    @extend_schema(
        summary="Mở lại báo cáo đã duyệt, kèm lý do (cán bộ thẩm định)",
        request=ReasonSerializer,
        responses={200: SubmissionSerializer, 409: OpenApiResponse(ErrorSerializer, description="Trạng thái không cho phép")},
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        body = self._body(ReasonSerializer)
        sub = workflow.submission_reopen(
            submission=self.get_object(), by=request.user, comment=body["comment"], channel=Channel.API
        )
        return self._done(sub)


class FigureQuery(serializers.Serializer):
    org_unit = serializers.CharField(
        required=False, max_length=40, help_text="Mã đơn vị (mặc định: đơn vị cao nhất bạn được xem)."
    )
    quarter = serializers.IntegerField(required=False, default=4, min_value=1, max_value=4, help_text="Lũy kế đến hết quý này.")
    status = serializers.ChoiceField(
        choices=Layer.choices,
        required=False,
        default=Layer.OFFICIAL,
        help_text="Lớp số liệu: official (đã phê duyệt, mặc định), submitted (gồm chờ duyệt), all (gồm cả bản nháp; "
        "chỉ cán bộ thẩm định của đơn vị).",
    )


class AggregateQuery(FigureQuery):
    year = serializers.IntegerField(min_value=YEAR_MIN, max_value=YEAR_MAX)
    indicator = serializers.CharField(required=False, max_length=2000, help_text="Mã chỉ tiêu; nhiều mã cách nhau bằng dấu phẩy.")


def _query(serializer_class, request) -> dict:
    s = serializer_class(data=request.query_params)
    s.is_valid(raise_exception=True)
    return s.validated_data


def _unit_for_figures(user, code, layer=Layer.OFFICIAL):
    if code:
        unit = kept_lookups.unit_by_code(code)
        if unit is None or not access.can_view_unit(user, unit):
            raise exceptions.NotFound()  # foreign or unknown: 404, as `access.get_unit_for_view`
    else:
        unit = access.home_unit(user)
    if unit is None:
        raise exceptions.NotFound(_("Bạn chưa thuộc đơn vị nào."))
    if layer != Layer.OFFICIAL and not access.can_see_provisional(user, unit):
        raise exceptions.PermissionDenied(_("Chỉ cán bộ thẩm định của đơn vị được xem số liệu chưa phê duyệt."))
    return unit


class AggregatesView(StrictInputMixin, APIView):
    """Figures of one unit (its subtree rolled up by the aggregation rule), keyed by indicator code."""

    @extend_schema(
        summary="Số liệu tổng hợp theo quy tắc tổng hợp",
        parameters=[AggregateQuery],
        responses={200: ReportDocumentSerializer, 304: OpenApiResponse(description="Không đổi (If-None-Match)")},
    )
    def get(self, request):
        q = _query(AggregateQuery, request)
        unit = _unit_for_figures(request.user, q.get("org_unit"), q["status"])
        indicators = kept_lookups.catalogue()
        codes = [c.strip() for v in request.query_params.getlist("indicator") for c in v.split(",") if c.strip()]
        if codes:
            wanted = set(codes)
            indicators = [i for i in indicators if i.code in wanted]
            unknown = sorted(wanted - {i.code for i in indicators})
            if unknown:
                raise exceptions.ValidationError(
                    {"indicator": [_("Không tìm thấy chỉ tiêu «%(c)s».") % {"c": ", ".join(unknown)}]}
                )
        parts = ("aggregates", unit.pk, q["year"], q["quarter"], str(q["status"]), tuple(sorted(set(codes))))
        return document_response(
            request,
            parts,
            lambda: figures_document(
                org_unit=unit, year=q["year"], quarter=q["quarter"], indicators=indicators, layer=q["status"]
            ),
        )


class AnnualReportView(StrictInputMixin, APIView):
    """The annual report's figures: the document `export_report --format json` writes."""

    @extend_schema(
        summary="Số liệu báo cáo năm (như export_report --format json)",
        parameters=[FigureQuery],
        responses={200: ReportDocumentSerializer, 304: OpenApiResponse(description="Không đổi (If-None-Match)")},
    )
    def get(self, request, year: int):
        if not access.can_read_reports(request.user):
            raise exceptions.PermissionDenied(_("Chỉ lãnh đạo và cán bộ thẩm định được xem báo cáo năm."))
        if not YEAR_MIN <= year <= YEAR_MAX:
            raise exceptions.ValidationError(
                {"year": [_("Năm phải là số nguyên từ %(a)s đến %(b)s.") % {"a": YEAR_MIN, "b": YEAR_MAX}]}
            )
        q = _query(FigureQuery, request)
        unit = _unit_for_figures(request.user, q.get("org_unit"), q["status"])
        parts = ("annual-report", unit.pk, year, q["quarter"], str(q["status"]))
        return document_response(
            request, parts, lambda: report_document(org_unit=unit, year=year, quarter=q["quarter"], layer=q["status"])
        )


class NotFoundView(APIView):
    """Every unknown path under /api/v1/: the API's JSON 404 (after authentication, like the rest)."""

    schema = None

    def get(self, request, *args, **kwargs):
        raise exceptions.NotFound()

    post = put = patch = delete = get
