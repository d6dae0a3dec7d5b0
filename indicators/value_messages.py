"""What a value row is told when it is refused: the message texts of every check a row of values goes through.

Two paths check rows: `indicators.services.values_validate` one row at a time (the form, the API,
and imports on SQLite) and `indicators.bulk_import` set-based in SQL (imports on PostgreSQL). Both
format their messages here, so a file gets the same words and row numbers whichever path read it.
The rules of a cell's figures have their messages beside them, in `indicators.cells.cell_messages`.

A file of a million bad rows must not become a million messages in memory: `bounded` keeps the
first ERRORS_PER_FIELD errors of each column, in row order, and says how many more there are.
"""

from django.utils.translation import gettext as _

from indicators.periods import YEAR_MAX, YEAR_MIN, Period
from reform_portal.tabular import RowError

# Errors listed per column of a file; the rest are counted ("… more in this column").
ERRORS_PER_FIELD = 200


def _day(d) -> str:
    return d.strftime("%d/%m/%Y") if d else "…"


def unit_unknown(code: str) -> str:
    return _("Không tìm thấy đơn vị «%(c)s».") % {"c": code}


def indicator_unknown(code: str) -> str:
    return _("Không tìm thấy chỉ tiêu «%(c)s».") % {"c": code}


def year_out_of_range() -> str:
    return _("Năm phải là số nguyên từ %(a)s đến %(b)s.") % {"a": YEAR_MIN, "b": YEAR_MAX}


def quarter_out_of_range() -> str:
    return _("Quý phải là 1, 2, 3 hoặc 4.")


def indicator_inactive(code: str) -> str:
    return _("Chỉ tiêu «%(c)s» đã ngừng sử dụng.") % {"c": code}


def kind_not_reporting(kind_label: str, code: str) -> str:
    return _("Đơn vị loại «%(k)s» không báo cáo chỉ tiêu «%(c)s».") % {"k": kind_label, "c": code}


def unit_closed(code: str, period: Period, valid_from, valid_to) -> str:
    return _("Đơn vị «%(c)s» không hoạt động trong %(p)s (hiệu lực %(f)s – %(t)s).") % {
        "c": code,
        "p": period.label,
        "f": _day(valid_from),
        "t": _day(valid_to),
    }


def duplicate(first_row) -> str:
    return _("Ô số liệu này đã có ở dòng %(r)s.") % {"r": first_row}


def control_characters() -> str:
    return _("Có ký tự điều khiển không hợp lệ (ví dụ NUL); hãy xóa ký tự đó rồi nhập lại.")


def as_of_unreadable(text) -> str:
    return _("Ngày «%(v)s» không hợp lệ (dùng dd/mm/yyyy, ví dụ 31/10/2018).") % {"v": text}


def as_of_outside(d, period: Period) -> str:
    return _("Ngày tính số liệu %(d)s phải nằm trong %(p)s (%(a)s – %(b)s).") % {
        "d": _day(d),
        "p": period.label,
        "a": _day(period.window_start),
        "b": _day(period.calendar_end),
    }


def quarter_approved(period: Period, code: str) -> str:
    return _("Báo cáo %(p)s của «%(c)s» đã được phê duyệt nên số liệu bị khóa; cần cán bộ thẩm định mở lại.") % {
        "p": period.label,
        "c": code,
    }


def quarter_submitted(period: Period, code: str) -> str:
    return _("Báo cáo %(p)s của «%(c)s» đang chờ duyệt nên số liệu không sửa được; cần cán bộ thẩm định trả lại.") % {
        "p": period.label,
        "c": code,
    }


def not_allowed(code: str) -> str:
    return _("Bạn không có quyền nhập số liệu cho đơn vị «%(c)s».") % {"c": code}


def log_differs(log_value) -> str:
    from indicators.entry import number_display  # as the form shows numbers: 1.520

    return _("Số liệu khác nhật ký hoạt động (theo nhật ký: %(v)s): ghi chú lý do.") % {"v": number_display(log_value)}


def other_form(unit, year, quarter, code: str, period: Period) -> str:
    return _("Dòng này thuộc đơn vị hoặc kỳ khác (%(u)s, %(y)s/%(q)s); tệp này chỉ nhận %(c)s, %(p)s.") % {
        "u": unit,
        "y": year,
        "q": quarter,
        "c": code,
        "p": period.label,
    }


def no_rows() -> str:
    return _("Tệp không có dòng số liệu nào.")


def approved_on_import() -> str:
    return _("Phê duyệt khi nạp số liệu lịch sử.")


def with_overflow(kept: list[RowError], totals: dict[str, int]) -> list[RowError]:
    """`kept` (the first errors of each column, in row order) and one line per column saying how many more it has."""
    shown: dict[str, int] = {}
    for e in kept:
        shown[e.field] = shown.get(e.field, 0) + 1
    more = [
        RowError(None, f, _("Còn %(n)s lỗi khác ở cột này không được liệt kê.") % {"n": totals[f] - n})
        for f, n in shown.items()
        if totals.get(f, 0) > n
    ]
    return [*kept, *more]


def bounded(errors: list[RowError], per_field: int = ERRORS_PER_FIELD) -> list[RowError]:
    """The first `per_field` errors of each column of `errors` (in their order), then the count of the others."""
    kept, totals = [], {}
    for e in errors:
        totals[e.field] = totals.get(e.field, 0) + 1
        if totals[e.field] <= per_field:
            kept.append(e)
    return with_overflow(kept, totals)
