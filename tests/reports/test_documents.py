"""The downloads as a clerk would send or print them: the .docx to Decree 30/2020/NĐ-CP, the .xlsx on A4.

Each file is read back (python-docx, openpyxl) for the layout Word and Excel
store, then converted by LibreOffice to PDF and read with poppler (pdfinfo,
pdftotext, pdffonts) for what a printer gets. The PDFs and their pages as PNG
go to test-artifacts/ so a person can look at them.
"""

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TOOLS = all(shutil.which(t) for t in ("soffice", "pdftotext", "pdfinfo", "pdftoppm"))
needs_tools = pytest.mark.skipif(not TOOLS, reason="LibreOffice and poppler-utils are not installed")


def export(tmp_path, fmt, *args) -> Path:
    out = tmp_path / f"bao-cao-2018.{fmt}"
    call_command("export_report", "2018", *args, "--format", fmt, "-o", str(out), stderr=io.StringIO())
    return out


def to_pdf(path: Path, tmp_path: Path, name: str) -> Path:
    """LibreOffice's conversion; the PDF and 60 dpi PNG pages are kept as test artifacts."""
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    r = subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
        capture_output=True,
        timeout=240,
        env=env,
    )
    assert r.returncode == 0, r.stderr
    pdf = path.with_suffix(".pdf")
    ARTIFACTS.mkdir(exist_ok=True)
    kept = ARTIFACTS / f"{name}.pdf"
    shutil.copy(pdf, kept)
    for old in ARTIFACTS.glob(f"{name}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(kept), str(ARTIFACTS / name)], check=True, timeout=120)
    return pdf


def pdf_pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def page_text(pdf: Path, page: int, layout: bool = False) -> str:
    args = ["pdftotext", "-f", str(page), "-l", str(page)] + (["-layout"] if layout else []) + [str(pdf), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def squash(text: str) -> str:
    """Text without its spaces: pdftotext splits justified Vietnamese words at some diacritics ("t ỉnh")."""
    return re.sub(r"\s+", "", text)


# -- .docx: what Word reads ------------------------------------------------------------------------


@pytest.fixture
def docx_path(db, tmp_path):
    return export(tmp_path, "docx")


def test_docx_pages_margins_and_fonts_follow_decree_30(docx_path):
    doc = Document(str(docx_path))
    assert len(doc.sections) == 2  # the report (portrait), the appendix (landscape)
    portrait, landscape = doc.sections
    assert (round(portrait.page_width.mm), round(portrait.page_height.mm)) == (210, 297)
    assert (round(landscape.page_width.mm), round(landscape.page_height.mm)) == (297, 210)
    for s in doc.sections:
        assert 20 <= round(s.top_margin.mm) <= 25 and 20 <= round(s.bottom_margin.mm) <= 25
        assert 30 <= round(s.left_margin.mm) <= 35 and 15 <= round(s.right_margin.mm) <= 20
    normal = doc.styles["Normal"].font
    assert normal.name == "Times New Roman" and 13 <= normal.size.pt <= 14
    body = [r for p in doc.paragraphs for r in p.runs if r.text.strip()]
    assert body and all((r.font.name or normal.name) == "Times New Roman" for r in body)


def _runs_of(doc, text):
    heading = doc.tables[0]
    return [r for c in heading.rows[0].cells for p in c.paragraphs for r in p.runs if r.text == text]


def test_docx_heading_block(docx_path):
    doc = Document(str(docx_path))
    (nation,) = _runs_of(doc, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    assert nation.bold and 12 <= nation.font.size.pt <= 13
    (motto,) = _runs_of(doc, "Độc lập - Tự do - Hạnh phúc")
    assert motto.bold and 13 <= motto.font.size.pt <= 14
    # the rule beneath the motto: the next paragraph of the cell has a bottom border
    right = doc.tables[0].rows[0].cells[1]
    texts = [p.text for p in right.paragraphs]
    rule = right.paragraphs[texts.index("Độc lập - Tự do - Hạnh phúc") + 1]
    assert rule._p.find(f"{qn('w:pPr')}/{qn('w:pBdr')}/{qn('w:bottom')}") is not None
    # the number carries the issuing department's abbreviation (the narrative's issuer is Sở TT&TT)
    (number,) = _runs_of(doc, "Số: ……/BC-STTTT")
    assert number.font.size.pt >= 13
    (place_date,) = [r for r in right.paragraphs[-1].runs if r.text.startswith("Hà Tĩnh, ngày")]
    assert place_date.italic


def test_docx_numbers_pages_from_the_second(docx_path):
    doc = Document(str(docx_path))
    first = doc.sections[0]
    assert first.different_first_page_header_footer
    assert all(not p.text.strip() for p in first.first_page_header.paragraphs)
    header = first.header.paragraphs[0]
    assert header.alignment == 1  # centred
    instr = [e.text for e in header._p.iter(qn("w:instrText"))]
    assert [i.strip() for i in instr] == ["PAGE"]
    assert doc.sections[1].header.is_linked_to_previous  # the appendix goes on counting


def test_docx_tables_number_rows_repeat_headers_and_keep_totals(docx_path):
    doc = Document(str(docx_path))
    data_tables = [t for t in doc.tables if t.rows[0].cells[0].text == "STT"]
    # the plan table of part A, appendix 1, and one appendix 2 table per indicator group with figures
    assert len(data_tables) >= 3
    for t in data_tables:
        head = t.rows[0]._tr.trPr
        assert head.find(qn("w:tblHeader")) is not None
        for row in t.rows:
            assert row._tr.trPr.find(qn("w:cantSplit")) is not None
    appendix1 = next(t for t in data_tables if len(t.columns) > 10)
    numbers = [r.cells[0].text for r in appendix1.rows[1:] if r.cells[0].text]
    assert numbers == [str(n) for n in range(1, 42)]  # every indicator numbered, group rows not
    by_unit = [t for t in data_tables if t.rows[-1].cells[1].text.startswith("Tổng hợp")]
    assert by_unit
    for t in by_unit:
        before_total = t.rows[-2]
        assert all(p.paragraph_format.keep_with_next for c in before_total.cells for p in c.paragraphs)


def test_docx_recipients_and_signer(docx_path):
    doc = Document(str(docx_path))
    sign = next(t for t in doc.tables if t.rows[0].cells[0].text.startswith("Nơi nhận:"))
    left, right = sign.rows[0].cells
    assert left.paragraphs[0].runs[0].bold and left.paragraphs[0].runs[0].italic
    assert [p.text for p in left.paragraphs[1:]] == [
        "- UBND tỉnh (b/c);",
        "- Sở Nội vụ;",
        "- Lãnh đạo Sở;",
        "- Lưu: VT, CNTT, TTBCXB.",
    ]
    assert "Bùi Đắc Thế" in right.text and "KT. GIÁM ĐỐC" in right.text


# -- .docx: what the printer gets ------------------------------------------------------------------


@needs_tools
def test_docx_prints_through_libreoffice(docx_path, tmp_path):
    pdf = to_pdf(docx_path, tmp_path, "bao-cao-2018-docx")
    pages = pdf_pages(pdf)
    assert 8 <= pages <= 30
    first = page_text(pdf, 1, layout=True)
    # the national title on one line, the number with its suffix, the subject
    assert any("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in line for line in first.splitlines())
    assert "Số: ……/BC-STTTT" in first and "BÁO CÁO" in first
    assert not re.match(r"\s*1\s*$", first.splitlines()[0])  # no number on page 1
    for n in range(2, pages + 1):
        top = next(line for line in page_text(pdf, n).splitlines() if line.strip())
        assert top.strip() == str(n), (n, top)
    everything = squash(" ".join(page_text(pdf, n) for n in range(1, pages + 1)))
    for s in (
        "đã có 2.213 dịch vụ công trực tuyến mức độ 3",
        "1.131 hồ sơ",
        "tính đến ngày 31/10/2018",
        "Phát hành 17.000 tờ rơi tuyên truyền về dịch vụ công trực tuyến",
        "PHỤ LỤC 1",
        "PHỤ LỤC 2",
        "Nơi nhận:",
        "Bùi Đắc Thế",
    ):
        assert squash(s) in everything, s
    # the signature block stays whole: the recipients, the signer's title and name on one page
    (sign_page,) = [n for n in range(1, pages + 1) if squash("Nơi nhận:") in squash(page_text(pdf, n))]
    assert squash("KT. GIÁM ĐỐC") in squash(page_text(pdf, sign_page))
    assert squash("Bùi Đắc Thế") in squash(page_text(pdf, sign_page))
    assert squash("chất lượng cao.") in squash(page_text(pdf, sign_page))  # with the text it closes, not alone
    # Times New Roman throughout: LibreOffice prints it with its metric twin, Liberation Serif, and no
    # letter falls back to another font (a Vietnamese glyph missing would pull one in)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    families = {line.split()[0].split("+")[-1].split("-")[0] for line in fonts}
    assert families <= {"LiberationSerif", "TimesNewRomanPSMT", "TimesNewRoman"}, families
    # a total row never starts a page on its own: the row before it is on the same page
    for n in range(2, pages + 1):
        lines = [ln for ln in page_text(pdf, n).splitlines() if ln.strip()]
        body = [ln for ln in lines[1:] if ln.strip() != "STT"]
        if body and body[0].startswith("Tổng hợp"):
            pytest.fail(f"page {n} starts with a stranded total row")


# -- .xlsx: what prints ----------------------------------------------------------------------------


def test_xlsx_print_setup(db, tmp_path):
    wb = load_workbook(export(tmp_path, "xlsx"))
    for ws in wb.worksheets:
        assert ws.page_setup.paperSize in ("9", 9)
        assert ws.freeze_panes and ws.print_title_rows
    for name in ("Báo cáo", "Theo đơn vị", "Theo quý"):
        ws = wb[name]
        assert ws.page_setup.orientation == "landscape"
        # a fixed scale, not "fit to one page wide": text stays readable and wide sheets run on to more pages
        assert not ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.scale >= 80
        fonts = {c.font.sz or 11 for row in ws.iter_rows(max_row=60) for c in row if c.value is not None}
        assert min(fonts) * ws.page_setup.scale / 100 >= 8, (name, fonts, ws.page_setup.scale)
    units = wb["Theo đơn vị"]
    assert units.print_title_cols == "$A:$B"  # each printed page repeats the unit's code and name
    assert units.max_column > 80


@needs_tools
def test_xlsx_prints_through_libreoffice_readable(db, tmp_path):
    pdf = to_pdf(export(tmp_path, "xlsx"), tmp_path, "bao-cao-2018-xlsx")
    pages = pdf_pages(pdf)
    assert pages >= 6  # the wide sheet runs over several pages instead of shrinking into one
    text = squash(" ".join(page_text(pdf, n) for n in range(1, pages + 1)))
    assert "level3_services_province_district" in text and squash("Huyện Can Lộc") in text
    # the unit column is repeated: Can Lộc appears on several pages of the wide sheet
    can_loc_pages = [n for n in range(1, pages + 1) if squash("Huyện Can Lộc") in squash(page_text(pdf, n))]
    assert len(can_loc_pages) >= 3
    # every word is printed at 8 pt or more: pdftotext's bounding boxes give each word's height
    bbox = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    heights = [
        float(b) - float(a) for a, b in re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', bbox)
    ]
    assert heights
    # a word box spans the font's ascent and descent, about 1.15 × its size
    assert min(heights) / 1.15 >= 7.9, min(heights)
