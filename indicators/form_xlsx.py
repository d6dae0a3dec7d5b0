"""The unit-quarter form as an Excel workbook, for work offline, and its upload back.

The sheet holds the columns `indicators.services.VALUE_COLUMNS` reads, under a
title and a row of Vietnamese captions, so the uploaded file goes through the
same `values_import` as the import_values command (the checks of values_save,
which the browser form uses): all or nothing, every error with the
file's own line number. Codes, names and headers are locked; only the value,
numerator, denominator and note cells can be edited. The `version` column lets
the upload refuse to overwrite a value someone saved after the download.
Text a spreadsheet would run as a formula (a note starting with "=") is
written as quoted text (reform_portal.export_safety), so it reads back as typed.
"""

import io

from django.utils.translation import gettext as _

from indicators.entry import FormPage
from indicators.models import Channel
from indicators.services import SaveResult, values_import
from reform_portal.export_safety import safe_cell

COLUMNS = [
    "org_unit",
    "indicator",
    "year",
    "quarter",
    "name_vi",
    "unit_vi",
    "value",
    "numerator",
    "denominator",
    "note",
    "version",
]
EDITABLE = {"value", "numerator", "denominator", "note"}
HEADER_ROW = 5  # line of the machine header; data starts below it


def _captions() -> dict[str, str]:
    return {
        "org_unit": _("Mã đơn vị"),
        "indicator": _("Mã chỉ tiêu"),
        "year": _("Năm"),
        "quarter": _("Quý"),
        "name_vi": _("Tên chỉ tiêu"),
        "unit_vi": _("Đơn vị tính"),
        "value": _("Giá trị"),
        "numerator": _("Tử số"),
        "denominator": _("Mẫu số"),
        "note": _("Ghi chú"),
        "version": _("Phiên bản (không sửa)"),
    }


def form_filename(page: FormPage) -> str:
    return f"bieu-mau-{page.unit.code}-{page.period.year}-Q{page.period.quarter}.xlsx"


def form_workbook(page: FormPage) -> bytes:
    """The form of `page` (unit, quarter, indicators, current values) as .xlsx bytes."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = f"{page.unit.code} {page.period.year} Q{page.period.quarter}"[:31]
    p = page.period
    ws["A1"] = _("Biểu nhập số liệu %(p)s — %(u)s") % {"p": p.label, "u": page.unit.name_vi}
    ws["A1"].font = Font(bold=True, size=13)
    ws["A2"] = _("Kỳ số liệu theo Nghị định 09/2019/NĐ-CP: từ %(a)s đến %(b)s; hạn gửi %(d)s.") % {
        "a": p.window_start.strftime("%d/%m/%Y"),
        "b": p.window_end.strftime("%d/%m/%Y"),
        "d": p.due_date.strftime("%d/%m/%Y"),
    }
    ws["A3"] = _(
        "Chỉ sửa các cột Giá trị, Tử số, Mẫu số, Ghi chú (nền vàng). Ô để trống sẽ xóa số liệu đã có. "
        "Tải tệp lên tại trang nhập số liệu của kỳ này."
    )
    ws["A3"].font = Font(italic=True)
    captions = _captions()
    head_fill = PatternFill("solid", fgColor="DDE3EA")
    edit_fill = PatternFill("solid", fgColor="FFF7D6")
    for col, name in enumerate(COLUMNS, start=1):
        cap = ws.cell(row=HEADER_ROW - 1, column=col, value=captions[name])
        cap.font, cap.fill = Font(bold=True), head_fill
        cap.alignment = Alignment(wrap_text=True, vertical="top")
        head = ws.cell(row=HEADER_ROW, column=col, value=name)
        head.font, head.fill = Font(color="5F6B7A", size=9), head_fill

    for line, c in enumerate(page.cells, start=HEADER_ROW + 1):
        cur = c.current
        values = {
            "org_unit": page.unit.code,
            "indicator": c.code,
            "year": p.year,
            "quarter": p.quarter,
            "name_vi": c.indicator.name_vi,
            "unit_vi": c.indicator.unit_vi,
            "value": None,
            "numerator": cur.numerator if cur else None,
            "denominator": cur.denominator if cur else None,
            "note": cur.note if cur else "",
            "version": c.version,
        }
        if cur and cur.value is not None:
            values["value"] = int(cur.value) if not c.is_percent else float(cur.value)
        editable = {"numerator", "denominator", "note"} if c.is_ratio else {"value", "note"}
        for col, name in enumerate(COLUMNS, start=1):
            cell = safe_cell(ws.cell(row=line, column=col, value=values[name] if values[name] != "" else None))
            if name in editable:
                cell.protection = Protection(locked=False)
                cell.fill = edit_fill
            if name == "name_vi":
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            if name == "value" and c.is_percent:
                cell.number_format = "0.00"
            elif name in ("value", "numerator", "denominator"):
                cell.number_format = "#,##0"

    widths = {"org_unit": 10, "indicator": 24, "year": 7, "quarter": 6, "name_vi": 60, "unit_vi": 12, "note": 30, "version": 10}
    for col, name in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(col)].width = widths.get(name, 13)
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=7)
    # Locked headers and codes; no password: the lock prevents slips, it is not a security boundary.
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def form_upload(*, page: FormPage, name: str, data: bytes | None = None, fileobj=None, by) -> SaveResult:
    """Save an uploaded form (.xlsx or .csv with the import columns) for the page's unit and quarter.

    Rows of another unit or quarter are refused (the file was meant for another form); everything
    else is values_import's: all or nothing, each error with the file's line number.
    """
    return values_import(name=name, data=data, fileobj=fileobj, by=by, channel=Channel.UPLOAD, scope=(page.unit, page.period))
