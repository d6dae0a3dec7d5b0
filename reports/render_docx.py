"""The annual report as a Word document, laid out as Vietnamese administrative documents are.

Decree 30/2020/NĐ-CP's look: A4, margins 20/20/30/15 mm, Times New Roman 13pt;
the heading block (issuing agency and number on the left, the national title
"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM / Độc lập - Tự do - Hạnh phúc" and place
and date on the right), the document kind and subject centred, numbered
sections, the recipients and the signer at the end. The appendix follows in a
landscape section.
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
    return p


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


def _setup(doc) -> None:
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(13)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    normal.paragraph_format.line_spacing = 1.15
    s = doc.sections[0]
    s.page_width, s.page_height = Mm(210), Mm(297)
    s.top_margin, s.bottom_margin, s.left_margin, s.right_margin = Mm(20), Mm(20), Mm(30), Mm(15)


def _heading(doc, report) -> None:
    h = report.heading
    table = doc.add_table(rows=1, cols=2)
    _widths(table, [6.5, 10])
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
        _font(p.add_run(text), 12, bold)
    _rule(left, width_cm=2.5, of_cm=6.3)
    p = left.add_paragraph()
    p.alignment = center
    p.paragraph_format.space_before = Pt(6)
    _font(p.add_run(h.number), 13)
    _cell_text(right, _("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), size=12, bold=True, align=center)
    p = right.add_paragraph()
    p.alignment = center
    p.paragraph_format.space_after = Pt(0)
    _font(p.add_run(_("Độc lập - Tự do - Hạnh phúc")), 13, bold=True)
    _rule(right, width_cm=5.2, of_cm=9.8)
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
    _rule(doc, width_cm=4, of_cm=16.5)
    _para(doc, "", after=6)


def _grid(doc, headers: list[str], rows: list[list[str]], *, size=10, num_from: int = 1, widths=None, bold_rows=()):
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        _cell_text(cell, text, size=size, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _repeat_header(table.rows[0])
    for n, values in enumerate(rows):
        cells = table.add_row().cells
        for i, (cell, text) in enumerate(zip(cells, values, strict=True)):
            align = WD_ALIGN_PARAGRAPH.RIGHT if i >= num_from else None
            _cell_text(cell, text, size=size, bold=n in bold_rows, align=align)
    if widths:
        _widths(table, widths)
    return table


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
            widths=[9.5, 2.2, 2.2, 2.2],
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
    section.left_margin, section.right_margin, section.top_margin, section.bottom_margin = Mm(20), Mm(15), Mm(20), Mm(15)
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
    _grid(doc, headers, rows, size=9, num_from=2, widths=[8.5, 2] + [1.8] * n + [2, 2, 2, 1.8, 1.8], bold_rows=bold_rows)
    _para(doc, _("PHỤ LỤC 2. SỐ LIỆU THEO ĐƠN VỊ"), bold=True, align=center, before=12, after=6)
    for t in report.unit_tables:
        _para(doc, t.group.name, bold=True, italic=True, before=6)
        _grid(
            doc,
            [_("Đơn vị")] + [i.name for i in t.indicators],
            [[r.name] + [f.display for f in r.figures] for r in t.rows],
            size=9,
            bold_rows={len(t.rows) - 1},
        )


def write(report, fileobj) -> None:
    doc = Document()
    _setup(doc)
    doc.core_properties.title = f"{report.heading.kind} {report.heading.subtitle}"
    doc.core_properties.author = "Reform Portal"
    _heading(doc, report)
    for part in report.parts:
        _part(doc, part)
    _signature(doc, report)
    _appendix(doc, report)
    doc.save(fileobj)


def render(report) -> bytes:
    buf = io.BytesIO()
    write(report, buf)
    return buf.getvalue()
