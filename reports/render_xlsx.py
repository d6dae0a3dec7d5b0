"""The annual report as an .xlsx workbook (openpyxl, write-only: rows stream to disk, memory stays flat).

Sheets: the report's figures by part and group (with the year before and the
plan), every unit of the subtree × indicator, the quarters, the directives,
the narrative. Numbers are numeric cells with number formats, percents are
fractions formatted as %, a ratio is its numerator and denominator columns;
nothing that could be a number is written as text. Text that a spreadsheet
would run as a formula (=, +, -, @ first) is a quoted string cell
(reform_portal.export_safety, shared by every export).
"""

import io
import math
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
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


def _number(d) -> int | float | None:
    if d is None:
        return None
    d = Decimal(d)
    return int(d) if d == d.to_integral_value() else float(round(d, 4))


class _Styles:
    """One styled prototype cell per look; data cells share its style array (cheap in write-only mode)."""

    def __init__(self, ws, widths=()):
        self.ws = ws
        self.widths = list(widths)
        self.rows = 0
        self._protos = {}
        self._wrapped = False  # a wrapped cell since the last row: that row needs its height

    def append(self, cells) -> None:
        """Write a row; a row with wrapped text gets the height its longest text needs (LibreOffice prints it so)."""
        self.rows += 1
        if self._wrapped:
            lines = 1
            for i, c in enumerate(cells):
                if hasattr(c, "alignment") and c.alignment.wrap_text and c.value:  # a styled cell, not a plain value
                    width = self.widths[i] if i < len(self.widths) else 10
                    lines = max(lines, math.ceil(len(str(c.value)) / max(1.0, width * 1.1)))
            if lines > 1:
                self.ws.row_dimensions[self.rows].height = LINE_PT * lines
            self._wrapped = False
        self.ws.append(cells)

    def cell(self, value, fmt: str | None = None, bold: bool = False, wrap: bool = False, indent: int = 0, fill: bool = False):
        key = (fmt, bold, wrap, indent, fill)
        self._wrapped = self._wrapped or wrap
        if key == (None, False, False, 0, False) and not (isinstance(value, str) and formula_like(value)):
            return value  # a plain value: write-only mode reuses one cell object for these
        proto = self._protos.get(key)
        if proto is None:
            proto = WriteOnlyCell(self.ws)
            if fmt:
                proto.number_format = fmt
            if bold:
                proto.font = Font(bold=True)
            if wrap or indent:
                proto.alignment = Alignment(wrap_text=wrap, indent=indent, vertical="top")
            if fill:
                proto.fill = PatternFill("solid", fgColor="FFE9EEF4")
            self._protos[key] = proto
        c = WriteOnlyCell(self.ws, value)
        c._style = proto._style  # shared, read-only at save time
        return safe_cell(c)

    def text(self, value, **kw):
        return self.cell("" if value is None else str(value), **kw)

    def num(self, value, **kw):
        v = _number(value)
        if v is None:
            return None
        return self.cell(v, fmt=INT if isinstance(v, int) else DEC, **kw)

    def pct(self, percent, **kw):
        """A percentage given as 0–100, written as a fraction with a % format."""
        if percent is None:
            return None
        return self.cell(float(Decimal(percent) / 100), fmt=PCT, **kw)


# Printed at a fixed scale, never "fit to one page wide": 11 pt text prints at 11 × 0.8 ≈ 8.8 pt, and a
# sheet wider than the paper runs on to further pages, its title rows and columns repeated on each.
PRINT_SCALE = 80
LINE_PT = 15  # one line of 11 pt text


def _setup(
    ws, widths: list[float], title_rows: str, freeze: str, landscape: bool = True, title_cols: str | None = None
) -> _Styles:
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
    return _Styles(ws, widths)


def _title(ws, st: _Styles, report, name: str) -> None:
    st.append([st.text(f"{name} — {report.unit.name} — {report.heading.subtitle}", bold=True)])
    # The period, then what the figures rest on: a provisional layer's mark and the coverage, in the same row.
    notes = [report.heading.period_note, report.provisional_note, report.coverage_note]
    st.append([st.text(" · ".join(n for n in notes if n), bold=bool(report.provisional_note))])


def _figure_cells(st: _Styles, indicator, fig) -> list:
    """Value, numerator, denominator of one figure (a ratio's value is its share, as %)."""
    if indicator.value_type == ValueType.RATIO:
        return [st.pct(fig.number), st.num(fig.numerator), st.num(fig.denominator)]
    if indicator.value_type == ValueType.PERCENT:
        return [st.pct(fig.value), None, None]
    return [st.num(fig.value), None, None]


def _sheet_figures(wb, report) -> None:
    ws = wb.create_sheet(_("Báo cáo"))
    st = _setup(ws, [6, 20, 24, 46, 10, 11, 9, 9, 11, 9, 9, 11, 11, 11, 11, 11], "4:4", "E5", title_cols="D:D")
    _title(ws, st, report, _("Số liệu báo cáo"))
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
    st.append([st.text(h, bold=True, wrap=True, fill=True) for h in headers])
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
                        st.text(ind.name, wrap=True),
                        st.text(ind.unit),
                        *_figure_cells(st, ind, ln.figure),
                        *_figure_cells(st, ind, ln.previous),
                        st.pct(change) if count and change is not None else None,
                        st.cell(float(change), fmt=POINTS) if not count and change is not None else None,
                        st.num(ln.target.value) if ln.target else None,
                        st.pct(ln.rate),
                        st.cell(ln.as_of, fmt=DATE) if ln.as_of else None,
                    ]
                )
    ws.auto_filter.ref = f"A4:P{4 + len(report.lines)}"


def _sheet_units(wb, report) -> None:
    """Every unit of the subtree, in tree order; for each indicator the period's figure and the year before's."""
    ws = wb.create_sheet(_("Theo đơn vị"))
    years = (report.year, report.year - 1)
    rollups = (report.rollup, report.previous_rollup)
    cols = []  # (indicator, part, 0 = this year | 1 = the year before); part: value | num | den
    for ln in report.lines:
        parts = ("num", "den") if ln.indicator.value_type == ValueType.RATIO else ("value",)
        cols += [(ln.indicator, p, w) for w in (0, 1) for p in parts]
    st = _setup(ws, [12, 34, 16] + [12] * len(cols), "4:5", "D6", title_cols="A:B")
    _title(ws, st, report, _("Số liệu theo đơn vị, so với cùng kỳ năm trước"))
    st.append([])
    sub = {"num": _("tử số"), "den": _("mẫu số")}
    st.append(
        [
            st.text(_("Mã đơn vị"), bold=True, fill=True),
            st.text(_("Đơn vị"), bold=True, fill=True),
            st.text(_("Loại"), bold=True, fill=True),
        ]
        + [st.text(ind.name + (f" ({sub[p]})" if p in sub else ""), bold=True, wrap=True, fill=True) for ind, p, _w in cols]
    )
    st.append(
        [None, None, None] + [st.text(f"{ind.code} · {years[w]}" + (f" · {sub[p]}" if p in sub else "")) for ind, p, w in cols]
    )
    kinds = {k: st.text(v) for k, v in UnitKind.choices}
    root_depth = report.unit.depth
    inds = [ln.indicator for ln in report.lines]
    figs_of = [(i.value_type, rollups[0].figures[i.pk], rollups[1].figures[i.pk]) for i in inds]
    num, pct = st.num, st.pct
    for uid, code, name, kind, depth in report.subtree_units():
        row = [code and st.text(code), st.text(name, indent=min(depth - root_depth, 10)), kinds.get(kind, kind)]
        for t, now, before in figs_of:
            for figs in (now, before):
                f = figs.get(uid)
                if f is None:
                    row += NONE2 if t == ValueType.RATIO else NONE1
                elif t == ValueType.RATIO:
                    row += (num(f.numerator), num(f.denominator))
                elif t == ValueType.PERCENT:
                    row.append(pct(f.value))
                else:
                    row.append(num(f.value))
        st.append(row)


def _sheet_quarters(wb, report) -> None:
    ws = wb.create_sheet(_("Theo quý"))
    n = len(report.quarter_labels)
    st = _setup(ws, [26, 46, 11] + [11] * (n + 2), "4:4", "D5", title_cols="B:B")
    _title(ws, st, report, _("Số liệu theo quý"))
    st.append([])
    st.append(
        [st.text(h, bold=True, wrap=True, fill=True) for h in [_("Mã chỉ tiêu"), _("Chỉ tiêu"), _("Đơn vị tính")]]
        + [st.text(q, bold=True, fill=True) for q in report.quarter_labels]
        + [st.text(_("Cả kỳ"), bold=True, fill=True), st.text(_("Cùng kỳ năm trước"), bold=True, wrap=True, fill=True)]
    )
    for ln in report.lines:
        ind = ln.indicator
        figs = [*ln.quarters, ln.figure, ln.previous]
        if ind.value_type == ValueType.RATIO:
            for key, label in (("numerator", _("tử số")), ("denominator", _("mẫu số"))):
                st.append(
                    [st.text(ind.code), st.text(f"{ind.name} ({label})", wrap=True), st.text(ind.unit)]
                    + [st.num(getattr(f, key)) for f in figs]
                )
        elif ind.value_type == ValueType.PERCENT:
            st.append([st.text(ind.code), st.text(ind.name, wrap=True), st.text(ind.unit)] + [st.pct(f.value) for f in figs])
        else:
            st.append([st.text(ind.code), st.text(ind.name, wrap=True), st.text(ind.unit)] + [st.num(f.value) for f in figs])


def _sheet_directives(wb, report) -> None:
    ws = wb.create_sheet(_("Văn bản chỉ đạo"))
    st = _setup(ws, [6, 6, 12, 20, 12, 26, 70], "4:4", "A5")
    _title(ws, st, report, _("Văn bản chỉ đạo, điều hành"))
    st.append([])
    headers = [_("STT"), _("Phần"), _("Loại"), _("Số, ký hiệu"), _("Ngày ban hành"), _("Cơ quan ban hành"), _("Trích yếu")]
    st.append([st.text(h, bold=True, fill=True) for h in headers])
    for n, d in enumerate(report.directives, start=1):
        st.append(
            [
                st.num(n),
                st.text(d.part),
                st.text(d.kind),
                st.text(d.number),
                st.cell(d.issued_on, fmt=DATE) if d.issued_on else None,
                st.text(d.issuer, wrap=True),
                st.text(d.title, wrap=True),
            ]
        )


def _sheet_narrative(wb, report) -> None:
    ws = wb.create_sheet(_("Nội dung"))
    st = _setup(ws, [24, 80], "4:4", "A5", landscape=False)
    _title(ws, st, report, _("Nội dung báo cáo"))
    st.append([])
    st.append([st.text(_("Mục"), bold=True, fill=True), st.text(_("Nội dung"), bold=True, fill=True)])
    for label, paras in report.narrative_items():
        for p in paras:
            st.append([st.text(label), st.text(p, wrap=True)])


def write(report, fileobj) -> None:
    wb = Workbook(write_only=True)
    wb.properties.title = f"{report.heading.kind} {report.heading.subtitle}"
    wb.properties.creator = "Reform Portal"
    _sheet_figures(wb, report)
    _sheet_units(wb, report)
    _sheet_quarters(wb, report)
    _sheet_directives(wb, report)
    _sheet_narrative(wb, report)
    wb.save(fileobj)


def render(report) -> bytes:
    buf = io.BytesIO()
    write(report, buf)
    return buf.getvalue()
