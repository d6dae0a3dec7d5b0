"""export_report and the page's downloads: html, xlsx (openpyxl, LibreOffice), docx, and json unchanged."""

import io
import json
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from docx import Document
from openpyxl import load_workbook

from indicators.aggregation import report_document
from organizations.models import OrgUnit
from reports.models import Narrative
from tests.reports.test_annual import EXPECTED_2021, build_province


def export(tmp_path, fmt, *args):
    out = tmp_path / f"r.{fmt}"
    call_command("export_report", *args, "--format", fmt, "-o", str(out), stderr=io.StringIO())
    return out


def rows_by_code(ws, code_col):
    return {r[code_col].value: r for r in ws.iter_rows(min_row=5) if r[code_col].value}


def docx_text(path) -> str:
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        for row in t.rows:
            parts += [c.text for c in row.cells]
    return "\n".join(parts)


# -- json stays what it was -----------------------------------------------------------------------


def test_json_is_the_aggregation_document(db, tmp_path):
    out = export(tmp_path, "json", "2018")
    assert json.loads(out.read_text(encoding="utf-8")) == report_document(org_unit=OrgUnit.objects.get(code="HT"), year=2018)


# -- xlsx -----------------------------------------------------------------------------------------


def test_xlsx_has_the_seed_figures_as_numbers(db, tmp_path):
    wb = load_workbook(export(tmp_path, "xlsx", "2018"))
    assert wb.sheetnames == ["Báo cáo", "Theo đơn vị", "Theo quý", "Văn bản chỉ đạo", "Nội dung"]
    ws = wb["Báo cáo"]
    assert ws.freeze_panes == "E5"
    rows = rows_by_code(ws, 2)
    services = rows["level3_services_province_district"]
    assert services[5].value == 2213 and services[5].data_type == "n" and services[5].number_format == "#,##0"
    health = rows["health_record_exam_rate"]
    assert health[5].value == pytest.approx(0.8593) and health[5].number_format == "0.00%"
    websites = rows["commune_websites"]
    assert (websites[6].value, websites[7].value) == (221, 262)
    assert rows["online_dossiers"][5].value == 1131
    # plan vs actual: 480 bulletins against 450
    bulletins = rows["tv_radio_bulletins"]
    assert bulletins[13].value == 450 and bulletins[14].value == pytest.approx(480 / 450)
    # no figure in 2017: empty cells, not zeros
    assert bulletins[8].value is None and bulletins[11].value is None
    # every figure cell is numeric (columns F–O); P is the day a figure was counted, a date
    for r in ws.iter_rows(min_row=5, min_col=6, max_col=15):
        for c in r:
            assert c.value is None or c.data_type == "n", (c.coordinate, c.value)
    assert {c.value.date().isoformat() for (c,) in ws.iter_rows(min_row=5, min_col=16, max_col=16) if c.value} == {"2018-10-31"}


def test_xlsx_unit_quarter_directive_and_narrative_sheets(db, tmp_path):
    wb = load_workbook(export(tmp_path, "xlsx", "2018"))
    units = wb["Theo đơn vị"]
    header = [c.value for c in units[5]]
    by_unit = {r[0].value: r for r in units.iter_rows(min_row=6)}
    col = header.index("tv_radio_bulletins · 2018")
    assert by_unit["HT-DPTTH"][col].value == 480
    assert by_unit["HT-DPTTH"][header.index("tv_radio_bulletins · 2017")].value is None
    assert by_unit["HT"][col].value == 480
    assert by_unit["HT-443"][col].value is None
    quarters = wb["Theo quý"]
    row = next(r for r in quarters.iter_rows(min_row=5, values_only=True) if r[0] == "tv_radio_bulletins")
    assert row[3:8] == (105, 115, 124, 136, 480)
    directives = [r for r in wb["Văn bản chỉ đạo"].iter_rows(min_row=5, values_only=True) if r[3]]
    assert any(r[3] == "08/CT-UBND" and r[4].date().isoformat() == "2018-05-17" for r in directives)
    text = "\n".join(str(r[1]) for r in wb["Nội dung"].iter_rows(min_row=5, values_only=True))
    assert "(1.131 hồ sơ)" in text and "Bùi Đắc Thế" in text


def test_xlsx_neutralises_text_a_spreadsheet_would_run(db, tmp_path):
    Narrative.objects.filter(org_unit__code="HT", year=2018).update(strengths_a='=HYPERLINK("http://x","y")\n+1+1\n@SUM(A1)')
    wb = load_workbook(export(tmp_path, "xlsx", "2018"))
    cells = {c.value: c for row in wb["Nội dung"].iter_rows(min_row=5) for c in row if isinstance(c.value, str)}
    for payload in ('=HYPERLINK("http://x","y")', "+1+1", "@SUM(A1)"):
        assert cells[payload].data_type == "s" and cells[payload].quotePrefix, payload  # shown as typed, as text
    for ws in wb:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate)


def test_xlsx_of_a_year_written_here(db, tmp_path):
    build_province()
    wb = load_workbook(export(tmp_path, "xlsx", "2021", "--unit", "QT"))
    rows = rows_by_code(wb["Báo cáo"], 2)
    assert rows["online_dossiers"][5].value == 5555
    assert rows["online_dossiers"][8].value == 4444  # 2020
    assert rows["online_dossiers"][11].value == pytest.approx(0.25)
    assert (rows["commune_websites"][6].value, rows["commune_websites"][7].value) == (47, 53)
    assert rows["grassroots_radio_broadcasts"][5].value == 3333
    units = wb["Theo đơn vị"]
    header = [c.value for c in units[5]]
    by_unit = {r[0].value: r for r in units.iter_rows(min_row=6)}
    assert set(by_unit) == {"QT", "QT-S1", "QT-D1", "QT-D2", "QT-D1-X1", "QT-D1-X2", "QT-D2-X1"}
    col = header.index("grassroots_radio_broadcasts · 2021")
    assert by_unit["QT-D1"][col].value == 2111 and by_unit["QT-D1-X2"][col].value == 1000
    # each unit's figure beside the year before's
    assert by_unit["QT-S1"][header.index("online_dossiers · 2021")].value == 1234
    assert by_unit["QT-S1"][header.index("online_dossiers · 2020")].value == 4444
    assert by_unit["QT-D1"][header.index("commune_websites · 2021 · tử số")].value == 17


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) is not installed")
def test_xlsx_opens_in_libreoffice_and_numbers_stay_numbers(db, tmp_path):
    xlsx = export(tmp_path, "xlsx", "2018")
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    r = subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(xlsx)],
        capture_output=True,
        timeout=180,
        env=env,
    )
    assert r.returncode == 0, r.stderr
    pdf = tmp_path / "r.pdf"
    assert pdf.exists() and pdf.read_bytes()[:5] == b"%PDF-"
    # LibreOffice's own reading of the cells: let it save the workbook again, then read what it wrote.
    again = tmp_path / "again"
    r = subprocess.run(
        ["soffice", "--headless", "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(again), str(xlsx)],
        capture_output=True,
        timeout=180,
        env=env,
    )
    assert r.returncode == 0, r.stderr
    rows = rows_by_code(load_workbook(again / "r.xlsx")["Báo cáo"], 2)
    services, health = rows["level3_services_province_district"][5], rows["health_record_exam_rate"][5]
    assert (services.value, services.data_type) == (2213, "n")
    assert health.data_type == "n" and health.value == pytest.approx(0.8593) and "%" in health.number_format


# -- docx -----------------------------------------------------------------------------------------


def test_docx_has_the_national_heading_and_the_seed_figures(db, tmp_path):
    path = export(tmp_path, "docx", "2018")
    text = " ".join(docx_text(path).split())  # a long agency name is broken over two lines
    for s in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "UBND TỈNH HÀ TĨNH",
        "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
        "BÁO CÁO",
        "A. TUYÊN TRUYỀN CẢI CÁCH HÀNH CHÍNH",
        "B. HIỆN ĐẠI HÓA HÀNH CHÍNH",
        "I. KẾT QUẢ ĐẠT ĐƯỢC",
        "II. ĐÁNH GIÁ CHUNG",
        "III. KIẾN NGHỊ, ĐỀ XUẤT",
        "đã có 2.213 dịch vụ công trực tuyến mức độ 3",
        "221/262 UBND cấp xã có Cổng/trang thông tin điện tử",
        "85,93%",
        "106,67%",
        "Nơi nhận:",
        "Bùi Đắc Thế",
    ):
        assert s in text, s
    doc = Document(str(path))
    assert doc.styles["Normal"].font.name == "Times New Roman"
    assert doc.sections[0].page_width.mm == pytest.approx(210, abs=0.5)


def test_docx_of_a_year_written_here(db, tmp_path):
    build_province()
    text = docx_text(export(tmp_path, "docx", "2021", "--unit", "QT"))
    for display in EXPECTED_2021.values():
        assert display in text
    assert "2.213" not in text


# -- html, and the page's downloads ---------------------------------------------------------------


def test_html_export_is_self_contained_with_the_figures(db, tmp_path):
    html = export(tmp_path, "html", "2018").read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>")
    assert "@page" in html and "/static/" not in html
    assert "đã có 2.213 dịch vụ công trực tuyến mức độ 3" in html


def test_binary_formats_need_a_file(db):
    with pytest.raises(CommandError, match="-o FILE"):
        call_command("export_report", "2018", "--format", "xlsx", stdout=io.StringIO())


def test_unknown_unit_is_a_command_error(db, tmp_path):
    with pytest.raises(CommandError, match="Unknown unit"):
        export(tmp_path, "docx", "2018", "--unit", "NOPE")


@pytest.mark.parametrize("fmt, magic", [("xlsx", b"PK"), ("docx", b"PK")])
def test_page_downloads(client, reviewer, fmt, magic):
    client.force_login(reviewer)
    r = client.get(f"/reports/annual/2018.{fmt}", {"quarter": "2"})
    assert r.status_code == 200
    assert r["Content-Disposition"] == f'attachment; filename="bao-cao-2018-q2-HT.{fmt}"'
    assert b"".join(r.streaming_content)[:2] == magic


def test_downloaded_xlsx_is_quarter_to_date(client, reviewer, tmp_path):
    client.force_login(reviewer)
    path = tmp_path / "d.xlsx"
    path.write_bytes(b"".join(client.get("/reports/annual/2018.xlsx", {"quarter": "2"}).streaming_content))
    rows = rows_by_code(load_workbook(path)["Báo cáo"], 2)
    assert rows["tv_radio_bulletins"][5].value == 220
    assert Decimal(rows["tv_radio_bulletins"][14].value).quantize(Decimal("0.0001")) == Decimal("0.4889")
