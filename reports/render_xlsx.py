"""The annual report as an .xlsx workbook, written row by row (openpyxl write-only: each row goes to disk).

Sheets: the report's figures by part and group (with the year before and the
plan), every unit of the subtree × indicator, the quarters, the directives,
the narrative. Numbers are numeric cells with number formats, percents are
fractions formatted as %, a ratio is its numerator and denominator columns;
nothing that could be a number is written as text. Text that a spreadsheet
would run as a formula (=, +, -, @ first) is a quoted string cell
(reform_portal.export_safety, shared by every export).

Every look is a named style of the workbook ("Số nguyên", "Đầu cột"…),
registered once; a cell takes it by sharing the style's array. Nothing is
kept per cell: the per-unit sheet reads the units one query chunk at a time
and writes each as a row, so memory holds the report's figures and one row.
"""

import io
import math
import types
from copy import copy
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Font, NamedStyle, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from indicators.models import ValueType
from organizations.models import UnitKind
from reform_portal.export_safety import formula_like, safe_cell

INT = "#,##0"
DEC = "#,##0.00"
PCT = "0.00%"
POINTS = "+0.00;-0.00;0.00"
DATE = "DD/MM/YYYY"
NONE1, NONE2 = (None,), (None, None)
MAX_INDENT = 10


def _number(d) -> int | float | None:
    if d is None:
        return None
    if type(d) is not Decimal:
        d = Decimal(d)
    i = int(d)
    return i if i == d else float(round(d, 4))


def _look(key: str) -> NamedStyle:
    """The named style of `key`: its name as Excel lists it, its number format, font, fill and alignment."""
    top = "top"
    if key.startswith("unit"):  # a unit's name, indented by its depth under the report's unit
        n = int(key[4:])
        return NamedStyle(_("Đơn vị cấp %(n)s") % {"n": n}, alignment=Alignment(indent=n, vertical=top))
    fill = PatternFill("solid", fgColor="FFE9EEF4")
    bold = Font(bold=True)
    looks = {
        "title": (_("Tiêu đề trang"), {"font": bold}),
        "head": (_("Đầu cột"), {"font": bold, "fill": fill}),
        "head_wrap": (
            _("Đầu cột xuống dòng"),
            {"font": bold, "fill": fill, "alignment": Alignment(wrap_text=True, vertical=top)},
        ),
        "wrap": (_("Chữ xuống dòng"), {"alignment": Alignment(wrap_text=True, vertical=top)}),
        "int": (_("Số nguyên"), {"number_format": INT}),
        "dec": (_("Số thập phân"), {"number_format": DEC}),
        "pct": (_("Phần trăm"), {"number_format": PCT}),
        "points": (_("Điểm phần trăm"), {"number_format": POINTS}),
        "date": (_("Ngày"), {"number_format": DATE}),
    }
    name, attrs = looks[key]
    return NamedStyle(name, **attrs)


class _Book:
    """The workbook and its named styles, each added the first time a cell needs it."""

    def __init__(self, wb: Workbook):
        self.wb = wb
        self._arrays = {}
        self.wrapping: set[int] = set()  # alignment ids that wrap text (their rows need a height)

    def array(self, key: str):
        arr = self._arrays.get(key)
        if arr is None:
            style = _look(key)
            self.wb.add_named_style(style)
            # A cell's `style = name` would look the name up and copy the array per cell (a list scan in
            # openpyxl); sharing the registered array is what that assignment stores, done once.
            arr = self._arrays[key] = copy(style.as_tuple())
            if style.alignment.wrap_text:
                self.wrapping.add(arr.alignmentId)
        return arr


class _Sheet:
    """One write-only sheet: its cells and rows (a row with wrapped text gets the height its text needs)."""

    def __init__(self, book: _Book, ws, widths=()):
        self.book = book
        self.ws = ws
        self.widths = list(widths)
        self.rows = 0
        self._wrapped = False  # a wrapped cell since the last row
        self._int, self._dec, self._pct = book.array("int"), book.array("dec"), book.array("pct")

    def append(self, cells) -> None:
        self.rows += 1
        if self._wrapped:  # LibreOffice prints a row at the height stored for it, so store what the text needs
            lines = 1
            for i, c in enumerate(cells):
                if isinstance(c, Cell) and c._style.alignmentId in self.book.wrapping and c.value:
                    width = self.widths[i] if i < len(self.widths) else 10
                    lines = max(lines, math.ceil(len(str(c.value)) / max(1.0, width * 1.1)))
            if lines > 1:
                self.ws.row_dimensions[self.rows].height = LINE_PT * lines
            self._wrapped = False
        self.ws.append(cells)

    def cell(self, value, look: str | None = None):
        """`value` in the named style `look`; a plain value (no look) goes as it is, unless it reads as a formula."""
        if look is None:
            if not (isinstance(value, str) and formula_like(value)):
                return value  # write-only mode writes plain values through one reused cell
            return safe_cell(WriteOnlyCell(self.ws, value))
        c = WriteOnlyCell(self.ws, value)
        c._style = self.book.array(look)  # shared, never changed (safe_cell copies before it marks a cell)
        if type(value) is str:
            self._wrapped = self._wrapped or c._style.alignmentId in self.book.wrapping
            return safe_cell(c)
        return c

    def text(self, value, look: str | None = None):
        return self.cell("" if value is None else str(value), look)

    # Numbers never read as formulas: they skip `cell` (this runs for every figure of every unit).
    def num(self, value):
        if value is None:
            return None
        v = _number(value)
        c = WriteOnlyCell(self.ws, v)
        c._style = self._int if type(v) is int else self._dec
        return c

    def pct(self, percent):
        """A percentage given as 0–100, written as a fraction with a % format."""
        if percent is None:
            return None
        c = WriteOnlyCell(self.ws, float(Decimal(percent) / 100))
        c._style = self._pct
        return c


# Printed at a fixed scale, never "fit to one page wide": 11 pt text prints at 11 × 0.8 ≈ 8.8 pt, and a
# sheet wider than the paper runs on to further pages, its title rows and columns repeated on each.
PRINT_SCALE = 80
LINE_PT = 15  # one line of 11 pt text


def _cells_to_row(ws, values, row_idx):
    """openpyxl 3.1's `WriteOnlyWorksheet._values_to_row`, less its way of telling a styled cell from a value.

    It assigns each item as a cell's value and takes a Cell from the ValueError that raises, whose message
    formats the cell's repr first: two fifths of the time a national report took to write, where most
    cells are styled figures. Plain values still share one cell, as there.
    """
    plain = WriteOnlyCell(ws)
    for col_idx, value in enumerate(values, 1):
        if value is None:
            continue
        if isinstance(value, Cell):
            cell = value
        else:
            plain.value = value
            cell = plain
        cell.column = col_idx
        cell.row = row_idx
        if cell.hyperlink is not None:
            cell.hyperlink.ref = cell.coordinate
        yield cell
        if cell is plain and (cell.has_style or cell.hyperlink):
            plain = WriteOnlyCell(ws)


def _sheet(
    book: _Book,
    title: str,
    widths: list[float],
    title_rows: str,
    freeze: str,
    landscape: bool = True,
    title_cols: str | None = None,
) -> _Sheet:
    ws = book.wb.create_sheet(title)
    ws._values_to_row = types.MethodType(_cells_to_row, ws)
    for n, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(n)].width = w
    ws.freeze_panes = freeze
    ws.print_title_rows = title_rows
    if title_cols:
        ws.print_title_cols = title_cols
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.scale = PRINT_SCALE
    ws.page_setup.pageOrder = "overThenDown"  # a wide sheet prints its columns page by page, row band by row band
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=False)
    ws.print_options.gridLines = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    return _Sheet(book, ws, widths)


def _title(st: _Sheet, report, name: str) -> None:
    st.append([st.text(f"{name} — {report.unit.name} — {report.heading.subtitle}", "title")])
    # The period, then what the figures rest on: a provisional layer's mark and the coverage, in the same row.
    notes = [report.heading.period_note, report.provisional_note, report.coverage_note]
    st.append([st.text(" · ".join(n for n in notes if n), "title" if report.provisional_note else None)])


def _figure_cells(st: _Sheet, indicator, fig) -> list:
    """Value, numerator, denominator of one figure (a ratio's value is its share, as %)."""
    if indicator.value_type == ValueType.RATIO:
        return [st.pct(fig.number), st.num(fig.numerator), st.num(fig.denominator)]
    if indicator.value_type == ValueType.PERCENT:
        return [st.pct(fig.value), None, None]
    return [st.num(fig.value), None, None]


def _sheet_figures(book: _Book, report) -> None:
    widths = [6, 20, 24, 46, 10, 11, 9, 9, 11, 9, 9, 11, 11, 11, 11, 11]
    st = _sheet(book, _("Báo cáo"), widths, "4:4", "E5", title_cols="D:D")
    _title(st, report, _("Số liệu báo cáo"))
    st.append([])
    headers = [
        _("Phần"),
        _("Nhóm"),
        _("Mã chỉ tiêu"),
        _("Chỉ tiêu"),
        _("Đơn vị tính"),
        _("Kết quả"),
        _("Tử số"),
        _("Mẫu số"),
        _("Cùng kỳ năm trước"),
        _("Tử số năm trước"),
        _("Mẫu số năm trước"),
        _("Tăng/giảm (%)"),
        _("Tăng/giảm (điểm %)"),
        _("Kế hoạch năm"),
        _("Tỷ lệ đạt kế hoạch"),
        _("Tính đến ngày"),
    ]
    st.append([st.text(h, "head_wrap") for h in headers])
    for part in report.parts:
        for g in part.groups:
            for ln in g.lines:
                ind = ln.indicator
                count = ind.value_type == ValueType.COUNT
                change = ln.change
                st.append(
                    [
                        st.text(part.code),
                        st.text(g.group.name),
                        st.text(ind.code),
                        st.text(ind.name, "wrap"),
                        st.text(ind.unit),
                        *_figure_cells(st, ind, ln.figure),
                        *_figure_cells(st, ind, ln.previous),
                        st.pct(change) if count and change is not None else None,
                        st.cell(float(change), "points") if not count and change is not None else None,
                        st.num(ln.target.value) if ln.target else None,
                        st.pct(ln.rate),
                        st.cell(ln.as_of, "date") if ln.as_of else None,
                    ]
                )
    st.ws.auto_filter.ref = f"A4:P{4 + len(report.lines)}"


def _sheet_units(book: _Book, report) -> None:
    """Every unit of the subtree, in tree order; for each indicator the period's figure and the year before's.

    The rows come from `report.subtree_units()` (a chunked query) and go to disk one by one, so the sheet
    costs one row of memory whatever the number of units; the figures are the report's Rollups, read per cell.
    """
    years = (report.year, report.year - 1)
    cols = []  # (indicator, part, 0 = this year | 1 = the year before); part: value | num | den
    for ln in report.lines:
        parts = ("num", "den") if ln.indicator.value_type == ValueType.RATIO else ("value",)
        cols += [(ln.indicator, p, w) for w in (0, 1) for p in parts]
    st = _sheet(book, _("Theo đơn vị"), [12, 34, 16] + [12] * len(cols), "4:5", "D6", title_cols="A:B")
    _title(st, report, _("Số liệu theo đơn vị, so với cùng kỳ năm trước"))
    st.append([])
    sub = {"num": _("tử số"), "den": _("mẫu số")}
    st.append(
        [st.text(_("Mã đơn vị"), "head"), st.text(_("Đơn vị"), "head"), st.text(_("Loại"), "head")]
        + [st.text(ind.name + (f" ({sub[p]})" if p in sub else ""), "head_wrap") for ind, p, _w in cols]
    )
    st.append(
        [None, None, None] + [st.text(f"{ind.code} · {years[w]}" + (f" · {sub[p]}" if p in sub else "")) for ind, p, w in cols]
    )
    kinds = {k: st.text(v) for k, v in UnitKind.choices}
    root_depth = report.unit.depth
    rollups = (report.rollup, report.previous_rollup)
    # Per indicator: its type and its figures by unit id, this year and the year before (the Rollups' own dicts).
    figs_of = [
        (ln.indicator.value_type, rollups[0].figures[ln.indicator.pk], rollups[1].figures[ln.indicator.pk]) for ln in report.lines
    ]
    num, pct, text = st.num, st.pct, st.text
    ratio, percent = ValueType.RATIO, ValueType.PERCENT
    for uid, code, name, kind, depth in report.subtree_units():
        row = [code and text(code), text(name, f"unit{min(depth - root_depth, MAX_INDENT)}"), kinds.get(kind, kind)]
        for t, now, before in figs_of:
            for figs in (now, before):
                f = figs.get(uid)
                if f is None:
                    row += NONE2 if t == ratio else NONE1
                elif t == ratio:
                    row += (num(f.numerator), num(f.denominator))
                elif t == percent:
                    row.append(pct(f.value))
                else:
                    row.append(num(f.value))
        st.append(row)


def _sheet_quarters(book: _Book, report) -> None:
    n = len(report.quarter_labels)
    st = _sheet(book, _("Theo quý"), [26, 46, 11] + [11] * (n + 2), "4:4", "D5", title_cols="B:B")
    _title(st, report, _("Số liệu theo quý"))
    st.append([])
    st.append(
        [st.text(h, "head_wrap") for h in [_("Mã chỉ tiêu"), _("Chỉ tiêu"), _("Đơn vị tính")]]
        + [st.text(q, "head") for q in report.quarter_labels]
        + [st.text(_("Cả kỳ"), "head"), st.text(_("Cùng kỳ năm trước"), "head_wrap")]
    )
    for ln in report.lines:
        ind = ln.indicator
        figs = [*ln.quarters, ln.figure, ln.previous]
        if ind.value_type == ValueType.RATIO:
            for key, label in (("numerator", _("tử số")), ("denominator", _("mẫu số"))):
                st.append(
                    [st.text(ind.code), st.text(f"{ind.name} ({label})", "wrap"), st.text(ind.unit)]
                    + [st.num(getattr(f, key)) for f in figs]
                )
        elif ind.value_type == ValueType.PERCENT:
            st.append([st.text(ind.code), st.text(ind.name, "wrap"), st.text(ind.unit)] + [st.pct(f.value) for f in figs])
        else:
            st.append([st.text(ind.code), st.text(ind.name, "wrap"), st.text(ind.unit)] + [st.num(f.value) for f in figs])


def _sheet_directives(book: _Book, report) -> None:
    st = _sheet(book, _("Văn bản chỉ đạo"), [6, 6, 12, 20, 12, 26, 70], "4:4", "A5")
    _title(st, report, _("Văn bản chỉ đạo, điều hành"))
    st.append([])
    headers = [_("STT"), _("Phần"), _("Loại"), _("Số, ký hiệu"), _("Ngày ban hành"), _("Cơ quan ban hành"), _("Trích yếu")]
    st.append([st.text(h, "head") for h in headers])
    for n, d in enumerate(report.directives, start=1):
        st.append(
            [
                st.num(n),
                st.text(d.part),
                st.text(d.kind),
                st.text(d.number),
                st.cell(d.issued_on, "date") if d.issued_on else None,
                st.text(d.issuer, "wrap"),
                st.text(d.title, "wrap"),
            ]
        )


def _sheet_narrative(book: _Book, report) -> None:
    st = _sheet(book, _("Nội dung"), [24, 80], "4:4", "A5", landscape=False)
    _title(st, report, _("Nội dung báo cáo"))
    st.append([])
    st.append([st.text(_("Mục"), "head"), st.text(_("Nội dung"), "head")])
    for label, paras in report.narrative_items():
        for p in paras:
            st.append([st.text(label), st.text(p, "wrap")])


def write(report, fileobj) -> None:
    """Write the workbook to `fileobj` (a path or a binary file open for writing), sheet by sheet, row by row."""
    wb = Workbook(write_only=True)
    wb.properties.title = f"{report.heading.kind} {report.heading.subtitle}"
    wb.properties.creator = "Reform Portal"
    book = _Book(wb)
    _sheet_figures(book, report)
    _sheet_units(book, report)
    _sheet_quarters(book, report)
    _sheet_directives(book, report)
    _sheet_narrative(book, report)
    wb.save(fileobj)


def render(report) -> bytes:
    """The workbook as bytes (for tests and small callers; downloads and export_report use `write`)."""
    buf = io.BytesIO()
    write(report, buf)
    return buf.getvalue()
