"""One error body for every failure: `{"detail", "code", "errors": [{"index", "field", "message"}]}`.

The services raise their own exceptions (RowsInvalid, NotAllowed,
VersionConflict, WorkflowError, PermissionDenied); this maps them to HTTP and
reshapes DRF's own errors so that an integrator parses one format.
"""

import datetime

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from api.fields import iso_timestamp
from indicators.services import NotAllowed, VersionConflict
from indicators.workflow import WorkflowError
from reform_portal.tabular import RowsInvalid


class UnknownUnit(exceptions.NotFound):
    """A unit code (query parameter or row) the caller may not read, or that does not exist: 404."""

    def __init__(self, field: str, code: str, index: int | None = None):
        self.errors = [{"index": index, "field": field, "message": _("Không tìm thấy đơn vị «%(c)s».") % {"c": code}}]
        super().__init__(_("Không tìm thấy đơn vị «%(c)s».") % {"c": code})


class UnknownUnits(exceptions.NotFound):
    """Rows naming units the caller may not read: one 404 listing every such row."""

    def __init__(self, errors: list[dict]):
        self.errors = errors
        super().__init__(_("Không tìm thấy đơn vị của một số dòng; không dòng nào được lưu."))


def _conflict(c: dict) -> dict:
    """The service's conflict as the API shows it: `index` like every other row error, one timestamp format."""
    out = {"index": c["row"], **{k: v for k, v in c.items() if k not in ("row", "updated_at")}}
    out["updated_at"] = iso_timestamp(datetime.datetime.fromisoformat(c["updated_at"])) if c.get("updated_at") else None
    return out


def _row_errors(errors) -> list[dict]:
    return [{"index": e.row, "field": e.field, "message": str(e.message)} for e in errors]


def _flatten(detail, index=None, field="") -> list[dict]:
    """DRF's nested ValidationError detail as a flat list of (index, field, message)."""
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            name = "" if key == "non_field_errors" else str(key)
            out += _flatten(value, index, f"{field}.{name}" if field and name else (name or field))
        return out
    if isinstance(detail, list):
        if detail and all(isinstance(d, (dict, list)) for d in detail):
            out = []
            for i, d in enumerate(detail):
                out += _flatten(d, i if index is None else index, field)
            return out
        return [{"index": index, "field": field, "message": str(d)} for d in detail]
    return [{"index": index, "field": field, "message": str(detail)}]


def error_body(detail: str, code: str, errors: list[dict] | None = None, **extra) -> dict:
    body = {"detail": str(detail), "code": code, "errors": errors or []}
    body.update(extra)
    return body


def exception_handler(exc, context):
    if isinstance(exc, RowsInvalid):
        return Response(
            error_body(_("Dữ liệu không hợp lệ; không dòng nào được lưu."), "invalid", _row_errors(exc.errors)),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, NotAllowed):
        return Response(
            error_body(
                _("Bạn không có quyền ghi số liệu cho một số dòng; không dòng nào được lưu."),
                "permission_denied",
                _row_errors(exc.errors),
            ),
            status=status.HTTP_403_FORBIDDEN,
        )
    if isinstance(exc, VersionConflict):
        return Response(
            error_body(
                _("Số liệu đã được người khác thay đổi sau khi bạn đọc; không dòng nào được lưu. Hãy đọc lại rồi gửi lại."),
                "conflict",
                [
                    {
                        "index": c["row"],
                        "field": "version",
                        "message": _("Phiên bản hiện tại là %(v)s.") % {"v": c["current_version"]},
                    }
                    for c in exc.conflicts
                ],
                conflicts=[_conflict(c) for c in exc.conflicts],
            ),
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, WorkflowError):
        return Response(error_body(str(exc), "workflow_conflict"), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoPermissionDenied):
        # The services say why (e.g. "Bạn không có quyền thẩm định…"): keep their message.
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, exceptions.ParseError) and str(exc.detail).startswith("JSON parse error"):
        # DRF's parser message is English-only and names Python internals.
        exc = exceptions.ParseError(_("Nội dung gửi lên không phải JSON hợp lệ."))

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body(_("Dữ liệu không hợp lệ."), "invalid", _flatten(exc.detail))
    elif isinstance(exc, (UnknownUnit, UnknownUnits)):
        response.data = error_body(str(exc.detail), "not_found", exc.errors)
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        text = detail if isinstance(detail, str) else " ".join(str(m["message"]) for m in _flatten(detail))
        codes = exc.get_codes()
        response.data = error_body(text, codes if isinstance(codes, str) else exc.default_code)
    return response
