"""The annual report as a Word document, laid out as Decree 30/2020/NĐ-CP (Appendix I) wants.

A4; margins top and bottom 20 mm, left 30 mm, right 15 mm (the landscape
appendix too); Times New Roman 13 pt. The heading block: issuing agency and
"Số: …/BC-<abbreviation>" on the left; on the right the national title on one
line (12 pt bold capitals), the motto (13 pt bold) with a rule beneath and the
place and date in italics. The kind and subject centred, numbered sections,
"Nơi nhận" and the signer. Page numbers centred in the header from page 2 (a
PAGE field; the first page has its own, empty, header). Tables number their
rows (STT), repeat their header row on each page, never split a row, and keep
a total row with the row before it.
"""

import io

from django.utils.translation import gettext as _
from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

FONT = "Times New Roman"
BODY_PT = 13
# Decree 30/2020 margins (mm): top 20–25, bottom 20–25, left 30–35, right 15–20.
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}
TEXT_WIDTH_CM = 21.0 - 3.0 - 1.5  # portrait A4 less the left and right margins
HEAD_LEFT_CM = 6.8  # the agency column of the heading block; the rest holds the national title on one line
LANDSCAPE_WIDTH_CM = 29.7 - 3.0 - 1.5
AGENCY_LINE_CHARS = 24  # capitals at 12 pt bold that fit the agency column


def _font(run, size: float | None = None, bold: bool = False, italic: bool = False) -> None:
    run.font.name = FONT
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    if size:
        run.font.size = Pt(size)
    run.font.bold = bold or None
    run.font.italic = italic or None


def _para(container, text: str = "", *, size=None, bold=False, italic=False, align=None, indent=False, before=0, after=3):
    p = container.add_paragraph()
    if text:
        _font(p.add_run(text), size, bold, italic)
    fmt = p.paragraph_format
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    if align is not None:
        p.alignment = align
    if indent:
        fmt.first_line_indent = Cm(1)
    if bold:
        fmt.keep_with_next = True  # bold paragraphs are headings: never the last line of a page
    return p


def balanced_lines(text: str, width: int) -> list[str]:
    """An agency name longer than one line of its column, broken at the space that balances the two lines."""
    words = text.split()
    if len(text) <= width or len(words) < 2:
        return [text]
    cuts = [(abs(len(" ".join(words[:i])) - len(" ".join(words[i:]))), i) for i in range(1, len(words))]
    i = min(cuts)[1]
    return [" ".join(words[:i]), " ".join(words[i:])]


def _line_break():
    br = OxmlElement("w:r")
    br.append(OxmlElement("w:br"))
    return br


def _rule(container, *, width_cm: float, of_cm: float) -> None:
    """A short centred rule under a heading line, as the national heading block has (its own tiny paragraph)."""
    p = container.add_paragraph()
    fmt = p.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing = Pt(2)
    fmt.left_indent = fmt.right_indent = Cm((of_cm - width_cm) / 2)
    p_pr = p._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(k), v)
    borders.append(bottom)
    p_pr.append(borders)


def _cell_text(cell, text: str, *, size=None, bold=False, italic=False, align=None) -> None:
    p = cell.paragraphs[0]
    p.paragraph_format.space_after = Pt(0)
    if align is not None:
        p.alignment = align
    _font(p.add_run(text), size, bold, italic)


def _margins(section) -> None:
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    section.header_distance = Mm(10)


def _page_number(section) -> None:
    """A centred PAGE field in the header; the first page gets its own empty header (Decree 30: numbers from page 2)."""
    section.different_first_page_header_footer = True
    p = section.header.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for kind, text in (("begin", None), (None, "PAGE"), ("separate", None), (None, None), ("end", None)):
        run = p.add_run("2" if kind is None and text is None else "")
        _font(run, BODY_PT)
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
            run._r.append(el)
        elif text:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
            run._r.append(el)


def _setup(doc) -> None:
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    normal.paragraph_format.line_spacing = 1.15
    s = doc.sections[0]
    s.page_width, s.page_height = Mm(210), Mm(297)
    _margins(s)
    _page_number(s)


def _heading(doc, report) -> None:
    h = report.heading
    table = doc.add_table(rows=1, cols=2)
    _widths(table, [HEAD_LEFT_CM, TEXT_WIDTH_CM - HEAD_LEFT_CM])
    _no_cell_margins(table)
    left, right = table.rows[0].cells
    center = WD_ALIGN_PARAGRAPH.CENTER
    first = True
    for text, bold in ((h.parent_agency, False), (h.agency, True)):
        if not text:
            continue
        p = left.paragraphs[0] if first else left.add_paragraph()
        first = False
        p.alignment = center
        p.paragraph_format.space_after = Pt(0)
        for n, line in enumerate(balanced_lines(text, AGENCY_LINE_CHARS)):
            if n:
                p._p.append(_line_break())
            _font(p.add_run(line), 12, bold)
    _rule(left, width_cm=2.5, of_cm=HEAD_LEFT_CM)
    p = left.add_paragraph()
    p.alignment = center
    p.paragraph_format.space_before = Pt(6)
    _font(p.add_run(h.number), 13)
    _cell_text(right, _("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), size=12, bold=True, align=center)
    p = right.add_paragraph()
    p.alignment = center
    p.paragraph_format.space_after = Pt(0)
    _font(p.add_run(_("Độc lập - Tự do - Hạnh phúc")), 13, bold=True)
    _rule(right, width_cm=5.6, of_cm=TEXT_WIDTH_CM - HEAD_LEFT_CM)
    p = right.add_paragraph()
    p.alignment = center
    p.paragraph_format.space_before = Pt(6)
    _font(p.add_run(h.place_date), 13, italic=True)
    _para(doc, h.kind, size=14, bold=True, align=center, before=18, after=0)
    _para(doc, h.subtitle, size=14, bold=True, align=center, after=0)
    _para(doc, h.period_note, size=12, italic=True, align=center, after=0)
    if report.provisional_note:
        _para(doc, report.provisional_note, size=12, bold=True, align=center, after=0)
    if report.coverage_note:
        _para(doc, report.coverage_note, size=12, italic=True, align=center, after=0)
    if report.narrative and report.narrative.published and report.narrative.publish_reason:
        _para(
            doc,
            _("Phát hành khi chưa đủ báo cáo của các đơn vị. Lý do: %(why)s") % {"why": report.narrative.publish_reason},
            size=12,
            italic=True,
            align=center,
            after=0,
        )
    _rule(doc, width_cm=4, of_cm=TEXT_WIDTH_CM)
    _para(doc, "", after=6)


def _grid(
    doc, headers: list[str], rows: list[list[str]], *, size=10, num_from: int = 1, widths=None, bold_rows=(), total_last=False
):
    """A table with an STT column first: `rows` numbered 1, 2…, except bold rows (groups, totals) which get none.

    Every row is kept whole on a page (cantSplit), the header row repeats on
    each page, and with `total_last` the total row stays with the row before it.
    """
    table = doc.add_table(rows=1, cols=len(headers) + 1)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, [_("STT"), *headers], strict=True):
        _cell_text(cell, text, size=size, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _repeat_header(table.rows[0])
    _keep_whole(table.rows[0])
    counter = 0
    for n, values in enumerate(rows):
        row = table.add_row()
        _keep_whole(row)
        numbered = n not in bold_rows
        counter += numbered
        stt = str(counter) if numbered else ""
        for i, (cell, text) in enumerate(zip(row.cells, [stt, *values], strict=True)):
            align = WD_ALIGN_PARAGRAPH.CENTER if i == 0 else WD_ALIGN_PARAGRAPH.RIGHT if i > num_from else None
            _cell_text(cell, text, size=size, bold=n in bold_rows, align=align)
    if total_last and len(table.rows) >= 2:  # (the header row, when the total is the only row)
        _keep_with_next(table.rows[-2])
    # A group row stays with the first row of its group.
    for n in bold_rows:
        if n + 2 < len(table.rows) and not (total_last and n == len(rows) - 1):
            _keep_with_next(table.rows[n + 1])
    if widths:
        _widths(table, [1.0, *widths])
    return table


def _keep_whole(row) -> None:
    el = OxmlElement("w:cantSplit")
    el.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(el)


def _keep_with_next(row) -> None:
    for cell in row.cells:
        for p in cell.paragraphs:
            p.paragraph_format.keep_with_next = True


def _no_cell_margins(table) -> None:
    """The heading block's cells use the whole width (the national title must fit on one line)."""
    tbl_pr = table._tbl.tblPr
    mar = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), "0")
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    tbl_pr.append(mar)


def _widths(table, widths_cm: list[float]) -> None:
    """Word reads the cells' widths, LibreOffice the grid's: set both."""
    table.autofit = False
    for col, w in zip(table.columns, widths_cm, strict=False):
        col.width = Cm(w)
    for row in table.rows:
        for cell, w in zip(row.cells, widths_cm, strict=False):
            cell.width = Cm(w)


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _part(doc, part) -> None:
    justify = WD_ALIGN_PARAGRAPH.JUSTIFY
    _para(doc, part.title, bold=True, before=12, after=6)
    for p in part.intro:
        _para(doc, p, indent=True, align=justify)
    _para(doc, "I. " + _("KẾT QUẢ ĐẠT ĐƯỢC"), bold=True, indent=True, before=6)
    for item in part.items:
        _para(doc, f"{item.number} {item.heading}", bold=True, indent=True, before=4)
        for b in item.bullets:
            _para(doc, f"- {b}", indent=True, align=justify)
        for child in item.children:
            _para(doc, f"{child.number} {child.heading}", bold=True, italic=True, indent=True, before=3)
            for b in child.bullets:
                _para(doc, f"- {b}", indent=True, align=justify)
    for p in part.extra:
        _para(doc, p, indent=True, align=justify)
    if not part.has_results:
        _para(doc, _("Chưa có số liệu cho kỳ báo cáo này."), italic=True, indent=True)
    if part.plan_lines:
        _para(
            doc,
            _("Kết quả thực hiện so với chỉ tiêu năm của %(p)s:") % {"p": ", ".join(part.campaigns)},
            italic=True,
            indent=True,
            before=4,
        )
        _grid(
            doc,
            [_("Chỉ tiêu"), _("Kế hoạch"), _("Thực hiện"), _("Tỷ lệ đạt")],
            [[ln.indicator.name, ln.target_display, ln.figure.display, ln.rate_display] for ln in part.plan_lines],
            size=11,
            widths=[8.8, 2.2, 2.2, 2.2],
        )
        _para(doc, part.plan_summary, indent=True, align=justify, before=4)
    _para(doc, "II. " + _("ĐÁNH GIÁ CHUNG"), bold=True, indent=True, before=6)
    for title, paras in (("1. " + _("Ưu điểm"), part.strengths), ("2. " + _("Tồn tại, hạn chế"), part.limitations)):
        _para(doc, title, bold=True, indent=True, before=3)
        for p in paras:
            _para(doc, f"- {p}", indent=True, align=justify)
    _para(doc, "III. " + _("KIẾN NGHỊ, ĐỀ XUẤT"), bold=True, indent=True, before=6)
    for p in part.recommendations:
        _para(doc, f"- {p}", indent=True, align=justify)


def _signature(doc, report) -> None:
    table = doc.add_table(rows=1, cols=2)
    _widths(table, [8, 8.5])
    _keep_whole(table.rows[0])  # "Nơi nhận" and the signer on one page, never the name alone on the next
    left, right = table.rows[0].cells
    _cell_text(left, _("Nơi nhận:"), size=12, bold=True, italic=True)
    for r in report.recipients:
        p = left.add_paragraph()
        p.paragraph_format.space_after = Pt(0)
        _font(p.add_run(f"- {r}"), 11)
    center = WD_ALIGN_PARAGRAPH.CENTER
    titles = report.signer_title or [""]
    _cell_text(right, titles[0], size=13, bold=True, align=center)
    for t in titles[1:]:
        p = right.add_paragraph()
        p.alignment = center
        p.paragraph_format.space_after = Pt(0)
        _font(p.add_run(t), 13, bold=True)
    for _i in range(4):
        right.add_paragraph().paragraph_format.space_after = Pt(0)
    p = right.add_paragraph()
    p.alignment = center
    _font(p.add_run(report.signer_name), 13, bold=True)


def _appendix(doc, report) -> None:
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    _margins(section)
    # The appendix continues the numbering: its first page is numbered too (the header is linked to the first section's).
    section.different_first_page_header_footer = False
    center = WD_ALIGN_PARAGRAPH.CENTER
    _para(doc, _("PHỤ LỤC 1. SỐ LIỆU CÁC CHỈ TIÊU THEO QUÝ, SO VỚI NĂM TRƯỚC VÀ KẾ HOẠCH"), bold=True, align=center, after=6)
    headers = [
        _("Chỉ tiêu"),
        _("Đơn vị tính"),
        *report.quarter_labels,
        _("Cả kỳ"),
        _("Cùng kỳ năm trước"),
        _("Tăng/giảm"),
        _("Kế hoạch"),
        _("Tỷ lệ đạt KH"),
    ]
    rows, bold_rows = [], set()
    for part in report.parts:
        for g in part.groups:
            bold_rows.add(len(rows))
            rows.append([f"{part.code}. {g.group.name}"] + [""] * (len(headers) - 1))
            for ln in g.lines:
                rows.append(
                    [ln.indicator.name, ln.indicator.unit]
                    + [f.display for f in ln.quarters]
                    + [ln.figure.display, ln.previous.display, ln.change_display, ln.target_display, ln.rate_display]
                )
    n = len(report.quarter_labels)
    _grid(doc, headers, rows, size=9, num_from=2, widths=[6.5, 1.8] + [1.7] * n + [1.8, 1.8, 1.7, 1.7, 1.6], bold_rows=bold_rows)
    for ln in report.dated_lines:
        _para(
            doc,
            _("%(name)s: số liệu tính đến ngày %(d)s.") % {"name": ln.indicator.name, "d": ln.as_of.strftime("%d/%m/%Y")},
            size=11,
            italic=True,
            before=3,
        )
    _para(doc, _("PHỤ LỤC 2. SỐ LIỆU THEO ĐƠN VỊ"), bold=True, align=center, before=12, after=6)
    for t in report.unit_tables:
        p = _para(doc, t.group.name, bold=True, italic=True, before=6)
        p.paragraph_format.keep_with_next = True
        _grid(
            doc,
            [_("Đơn vị")] + [i.name for i in t.indicators],
            [[r.name] + [f.display for f in r.figures] for r in t.rows],
            size=9,
            widths=[5.0] + [min(3.5, (LANDSCAPE_WIDTH_CM - 6.0) / len(t.indicators))] * len(t.indicators),
            bold_rows={len(t.rows) - 1},
            total_last=True,
        )


def write(report, fileobj) -> None:
    doc = Document()
    _setup(doc)
    doc.core_properties.title = f"{report.heading.kind} {report.heading.subtitle}"
    doc.core_properties.author = "Reform Portal"
    _heading(doc, report)
    for part in report.parts:
        _part(doc, part)
    doc.paragraphs[-1].paragraph_format.keep_with_next = True  # the signature never starts a page alone
    _signature(doc, report)
    _appendix(doc, report)
    doc.save(fileobj)


def render(report) -> bytes:
    buf = io.BytesIO()
    write(report, buf)
    return buf.getvalue()
