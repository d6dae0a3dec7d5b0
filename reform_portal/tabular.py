"""Reading tabular uploads (.csv, .xlsx) and reporting their bad rows.

Shared by every all-or-nothing import: the services collect a RowError per
problem and raise RowsInvalid once, so the caller can list every bad row.
"""

import contextlib
import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reform_portal.file_limits import HEADER_SCAN, FileRefused, Limits, check_size, check_xlsx, too_many_columns, too_many_rows

# How messages name a file's columns (the API's errors keep the column names themselves).
FIELD_LABELS = {
    "org_unit": gettext_lazy("Đơn vị"),
    "indicator": gettext_lazy("Chỉ tiêu"),
    "year": gettext_lazy("Năm"),
    "quarter": gettext_lazy("Quý"),
    "value": gettext_lazy("Giá trị"),
    "numerator": gettext_lazy("Tử số"),
    "denominator": gettext_lazy("Mẫu số"),
    "note": gettext_lazy("Ghi chú"),
    "code": gettext_lazy("Mã"),
    "parent": gettext_lazy("Đơn vị cấp trên"),
    "kind": gettext_lazy("Loại"),
    "name_vi": gettext_lazy("Tên tiếng Việt"),
    "name_en": gettext_lazy("Tên tiếng Anh"),
    "valid_from": gettext_lazy("Hiệu lực từ"),
    "valid_to": gettext_lazy("Hiệu lực đến"),
    "predecessors": gettext_lazy("Đơn vị tiền thân"),
    "as_of": gettext_lazy("Tính đến ngày"),
    "section": gettext_lazy("Phần"),
    "group": gettext_lazy("Nhóm"),
    "order": gettext_lazy("Thứ tự"),
    "unit_vi": gettext_lazy("Đơn vị tính"),
    "unit_en": gettext_lazy("Đơn vị tính (tiếng Anh)"),
    "value_type": gettext_lazy("Kiểu giá trị"),
    "time_aggregation": gettext_lazy("Tổng hợp theo thời gian"),
    "unit_aggregation": gettext_lazy("Tổng hợp theo đơn vị"),
    "reported_by": gettext_lazy("Loại đơn vị báo cáo"),
    "date": gettext_lazy("Ngày"),
    "end_date": gettext_lazy("Đến ngày"),
    "title": gettext_lazy("Tên hoạt động"),
    "outlet": gettext_lazy("Kênh, cơ quan đăng phát"),
    "place": gettext_lazy("Địa điểm"),
    "quantity": gettext_lazy("Số lượng"),
    "participants": gettext_lazy("Số người tham gia"),
    "campaign": gettext_lazy("Kế hoạch"),
    "url": gettext_lazy("Đường dẫn"),
}


@dataclass(frozen=True)
class RowError:
    row: int | None  # 1-based data row (header excluded) or list index, as the channel counts
    field: str
    message: str

    def __str__(self):
        where = _("Dòng %(row)s") % {"row": self.row} if self.row is not None else _("Tệp")
        label = FIELD_LABELS.get(self.field, self.field)
        return f"{where}, {label}: {self.message}" if self.field else f"{where}: {self.message}"

    def as_dict(self):
        return {"row": self.row, "field": self.field, "message": str(self.message)}


class RowsInvalid(Exception):
    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors[:5]))


# Key under which read_rows keeps each row's line number in the file, for messages.
LINE = "__line__"


class UnreadableFile(Exception):
    pass


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _csv_table(fileobj, limits: Limits):
    # Decoded as it is read: a file is never held whole as text. newline="\n" splits lines as
    # io.StringIO always did here; the csv module handles a "\r" before it.
    text = io.TextIOWrapper(fileobj, encoding="utf-8-sig", newline="\n")
    reader = csv.reader(text)
    try:
        for row in reader:
            if len(row) > limits.columns:
                raise too_many_columns(limits, reader.line_num)
            yield row
    except UnicodeDecodeError:
        raise UnreadableFile(_("Tệp CSV phải được lưu với bảng mã UTF-8.")) from None
    except csv.Error:
        # e.g. a field longer than the csv module's limit, or a quote never closed
        raise UnreadableFile(_("Tệp CSV bị hỏng ở dòng %(n)s.") % {"n": reader.line_num}) from None
    finally:
        # The caller owns the file (it may be closed already when an abandoned reading is collected).
        with contextlib.suppress(ValueError):
            text.detach()


def _xlsx_table(fileobj, limits: Limits):
    import openpyxl

    try:
        check_xlsx(fileobj, limits)
    except zipfile.BadZipFile:
        raise UnreadableFile(
            _(
                "Không đọc được tệp Excel (.xlsx): đây không phải tệp Excel thật (có thể là tệp khác được đổi đuôi thành .xlsx). "
                "Hãy lưu lại bằng Excel dưới dạng .xlsx, hoặc dùng tệp .csv."
            )
        ) from None
    try:
        fileobj.seek(0)
        wb = openpyxl.load_workbook(fileobj, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise UnreadableFile(_("Không đọc được tệp Excel (.xlsx): tệp hỏng hoặc sai định dạng.")) from None
    try:
        # Explicit bounds: openpyxl would otherwise pad every row out to the sheet's declared dimension.
        for row in wb.worksheets[0].iter_rows(values_only=True, max_row=limits.lines, max_col=limits.columns):
            yield [_cell(c) for c in row]
    finally:
        wb.close()


def read_rows(name: str, data: bytes, *, required: list[str], allowed: list[str] | None = None) -> list[dict[str, str]]:
    """Rows (with their line number under LINE) of a .csv (UTF-8, with or without BOM) or the first sheet of an .xlsx, as dicts of text.

    The header row may be anywhere in the first 20 rows (a template may put a
    title above it); it is the first row that holds every required column.
    The file must fit the IMPORT_MAX_* limits (reform_portal.file_limits); rows
    are read one at a time and the first limit crossed stops the reading.
    With `allowed`, a header naming any other column is refused: a misspelt
    column would otherwise be dropped without a word.
    """
    return list(iter_rows(name, io.BytesIO(data), required=required, allowed=allowed))


def iter_rows(name: str, fileobj, *, required: list[str], allowed: list[str] | None = None):
    """read_rows one row at a time from a binary file object (a path's open file, an upload): memory stays flat.

    The same checks, the same rows and the same UnreadableFile messages as read_rows; an error in the
    middle of the file is raised when the reading gets there, so a caller writes nothing it cannot undo.
    """
    limits = Limits.from_settings()
    suffix = Path(name).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise UnreadableFile(_("Chỉ nhận tệp .csv hoặc .xlsx."))
    try:
        fileobj.seek(0, io.SEEK_END)
        check_size(fileobj.tell(), limits)
        fileobj.seek(0)
        table = _csv_table(fileobj, limits) if suffix == ".csv" else _xlsx_table(fileobj, limits)
        yield from _records(table, required, limits, allowed)
    except FileRefused as exc:
        raise UnreadableFile(str(exc)) from None


def _check_columns(header: list[str], required: list[str], allowed: list[str] | None) -> None:
    """With `allowed`, a header naming any other column is refused: a misspelt column would otherwise be dropped."""
    if allowed is None:
        return
    unknown = [h for h in header if h and h not in allowed and h not in required]
    if unknown:
        raise UnreadableFile(
            _("Cột không hợp lệ: %(bad)s. Các cột được dùng: %(cols)s.")
            % {"bad": ", ".join(f"«{h}»" for h in unknown), "cols": ", ".join(dict.fromkeys([*required, *allowed]))}
        )


def _records(table, required: list[str], limits: Limits, allowed: list[str] | None = None):
    header = None
    count = 0
    for line, row in enumerate(table, start=1):
        if header is None:
            if line > HEADER_SCAN:
                break
            names = [(h or "").strip().lower() for h in row]
            if all(col in names for col in required):
                header = names
                named = all(header)
                _check_columns(header, required, allowed)
            continue
        if not "".join(row).strip():  # cells are text ("" for an empty one), from either reader
            continue
        if count >= limits.rows:
            raise too_many_rows(limits)
        count += 1
        if named and len(row) >= len(header):  # the usual row: one dict in one step (an import reads millions)
            cells = dict(zip(header, [c.strip() for c in row], strict=False))  # cells past the header are dropped
        else:
            cells = {h: (row[j].strip() if j < len(row) else "") for j, h in enumerate(header) if h}
        cells[LINE] = line
        yield cells
    if header is None:
        raise UnreadableFile(_("Không tìm thấy dòng tiêu đề có đủ các cột: %(cols)s.") % {"cols": ", ".join(required)})
