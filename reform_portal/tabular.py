"""Reading tabular uploads (.csv, .xlsx) and reporting their bad rows.

Shared by every all-or-nothing import: the services collect a RowError per
problem and raise RowsInvalid once, so the caller can list every bad row.
"""

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class RowError:
    row: int | None  # 1-based data row (header excluded) or list index, as the channel counts
    field: str
    message: str

    def __str__(self):
        where = _("Dòng %(row)s") % {"row": self.row} if self.row is not None else _("Tệp")
        return f"{where}, {self.field}: {self.message}" if self.field else f"{where}: {self.message}"

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


def read_rows(name: str, data: bytes, *, required: list[str], allowed: list[str] | None = None) -> list[dict[str, str]]:
    """Rows (with their line number under LINE) of a .csv (UTF-8, with or without BOM) or the first sheet of an .xlsx, as dicts of text.

    The header row may be anywhere in the first 20 rows (a template may put a
    title above it); it is the first row that holds every required column.
    With `allowed`, a header naming any other column is refused: a misspelt
    column would otherwise be dropped without a word.
    """
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise UnreadableFile(_("Tệp CSV phải được lưu với bảng mã UTF-8.")) from None
        table = [row for row in csv.reader(io.StringIO(text))]
    elif suffix == ".xlsx":
        import openpyxl

        try:
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # openpyxl raises many kinds for a damaged file
            raise UnreadableFile(_("Không đọc được tệp Excel (.xlsx): tệp hỏng hoặc sai định dạng.")) from None
        ws = wb.worksheets[0]
        table = [[_cell(c) for c in row] for row in ws.iter_rows(values_only=True)]
        wb.close()
    else:
        raise UnreadableFile(_("Chỉ nhận tệp .csv hoặc .xlsx."))

    for i, row in enumerate(table[:20]):  # noqa: B007 (i is the header row, used below)
        header = [h.strip().lower() for h in row]
        if all(col in header for col in required):
            break
    else:
        raise UnreadableFile(_("Không tìm thấy dòng tiêu đề có đủ các cột: %(cols)s.") % {"cols": ", ".join(required)})
    if allowed is not None:
        unknown = [h for h in header if h and h not in allowed and h not in required]
        if unknown:
            raise UnreadableFile(
                _("Cột không hợp lệ: %(bad)s. Các cột được dùng: %(cols)s.")
                % {"bad": ", ".join(f"«{h}»" for h in unknown), "cols": ", ".join(dict.fromkeys([*required, *allowed]))}
            )
    rows = []
    for line, row in enumerate(table[i + 1 :], start=i + 2):
        if not any((c or "").strip() for c in row):
            continue
        cells = {h: (row[j].strip() if j < len(row) and row[j] is not None else "") for j, h in enumerate(header) if h}
        cells[LINE] = line
        rows.append(cells)
    return rows
