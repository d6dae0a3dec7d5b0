"""Exports written row by row and sent as files: what the streamed workbook holds, who may download it, and
that the figures are folded once per report, never again per sheet or per format."""

import datetime
import gc
import io
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.core.management import call_command
from docx import Document
from openpyxl import load_workbook

from indicators.aggregation import Rollup
from indicators.models import Indicator, ValueType
from indicators.services import ValueRow, values_save
from organizations.models import OrgUnit
from reports import render_docx, render_xlsx
from reports.annual import annual_report, render_html
from tests.reports.test_seed_demo import matches, seed_2018_expectations

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def body(response) -> bytes:
    assert response.streaming, "a download is sent from its file, not built as a second copy in memory"
    return b"".join(response.streaming_content)


def download(client, user, fmt="xlsx", **params):
    client.force_login(user)
    return client.get(f"/reports/annual/2018.{fmt}", params)


def as_figure(indicator, row) -> dict:
    """A row of the "Báo cáo" sheet as the JSON export writes a figure (value, numerator, denominator)."""
    value, num, den = (c.value for c in row[5:8])
    if indicator.value_type == ValueType.PERCENT and value is not None:
        value = Decimal(repr(value)) * 100
    elif indicator.value_type == ValueType.RATIO:
        value = None
    return {"value": value, "numerator": num, "denominator": den}


# -- the workbook a leader downloads -------------------------------------------------------------


@pytest.mark.parametrize("fmt, content_type", [("xlsx", XLSX), ("docx", DOCX)])
def test_a_leader_downloads_the_file_with_its_headers(client, leader, fmt, content_type):
    r = download(client, leader, fmt, quarter="3")
    assert r.status_code == 200
    assert r["Content-Type"] == content_type
    assert r["Content-Disposition"] == f'attachment; filename="bao-cao-2018-q3-HT.{fmt}"'
    data = body(r)
    assert int(r["Content-Length"]) == len(data)
    assert data[:2] == b"PK"


def test_the_streamed_workbook_has_every_figure_of_the_2018_seed(client, leader):
    wb = load_workbook(io.BytesIO(body(download(client, leader))))
    rows = {r[2].value: r for r in wb["Báo cáo"].iter_rows(min_row=5) if r[2].value}
    indicators = {i.code: i for i in Indicator.objects.all()}
    expected = seed_2018_expectations()
    assert len(expected) == 41
    wrong = [(code, want) for code, want in expected if not matches(want, as_figure(indicators[code], rows[code]))]
    assert not wrong
    assert rows["level3_services_province_district"][5].value == 2213


def test_the_per_unit_sheet_holds_each_units_figures_as_the_report_does(client, leader, province):
    """Every unit of the tree is a row, and each of its cells is that unit's figure in the report's roll-ups."""
    wb = load_workbook(io.BytesIO(body(download(client, leader))))
    ws = wb["Theo đơn vị"]
    keys = [c.value for c in ws[5]]
    report = annual_report(org_unit=province, year=2018)
    ids = dict(OrgUnit.objects.subtree_of(province).values_list("code", "id"))
    rows = {r[0].value: r for r in ws.iter_rows(min_row=6)}
    assert set(rows) == set(ids)
    checked = 0
    for ln in report.lines:
        ind = ln.indicator
        for year, rollup in ((2018, report.rollup), (2017, report.previous_rollup)):
            for code, uid in ids.items():
                f = rollup.figure(ind, uid)
                if ind.value_type == ValueType.RATIO:
                    cells = [rows[code][keys.index(f"{ind.code} · {year} · {p}")].value for p in ("tử số", "mẫu số")]
                    assert cells == [f.numerator, f.denominator], (ind.code, year, code)
                else:
                    cell = rows[code][keys.index(f"{ind.code} · {year}")].value
                    want = f.value if f.value is None or ind.value_type != ValueType.PERCENT else f.value / 100
                    assert (cell is None) == (want is None), (ind.code, year, code)
                    if want is not None:
                        assert Decimal(repr(cell)) == pytest.approx(Decimal(want)), (ind.code, year, code)
                        checked += 1
    assert checked > 100  # the demo's figures, not a sheet of blanks


def test_looks_are_named_styles_of_the_workbook(client, leader):
    wb = load_workbook(io.BytesIO(body(download(client, leader))))
    assert {"Số nguyên", "Phần trăm", "Đầu cột xuống dòng", "Tiêu đề trang"} <= set(wb.named_styles)
    figures = wb["Báo cáo"]
    rows = {r[2].value: r for r in figures.iter_rows(min_row=5) if r[2].value}
    services, health = rows["level3_services_province_district"][5], rows["health_record_exam_rate"][5]
    assert (services.style, services.number_format) == ("Số nguyên", "#,##0")
    assert (health.style, health.number_format) == ("Phần trăm", "0.00%")
    assert figures["A4"].style == "Đầu cột xuống dòng" and figures["A4"].font.b and figures["A4"].alignment.wrap_text
    # a unit's name is indented by its depth under the report's unit
    units = {r[0].value: r for r in wb["Theo đơn vị"].iter_rows(min_row=6)}
    district, commune = OrgUnit.objects.get(code="HT-443"), OrgUnit.objects.filter(parent__code="HT-443").first()
    assert units["HT"][1].alignment.indent == 0
    assert units[district.code][1].alignment.indent == 1
    assert units[commune.code][1].alignment.indent == 2


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) is not installed")
def test_the_streamed_workbook_opens_in_libreoffice(client, leader, tmp_path):
    xlsx = tmp_path / "d.xlsx"
    xlsx.write_bytes(body(download(client, leader)))
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    again = tmp_path / "again"
    r = subprocess.run(
        ["soffice", "--headless", "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(again), str(xlsx)],
        capture_output=True,
        timeout=180,
        env=env,
    )
    assert r.returncode == 0, r.stderr
    wb = load_workbook(again / "d.xlsx")
    rows = {r[2].value: r for r in wb["Báo cáo"].iter_rows(min_row=5) if r[2].value}
    assert (rows["online_dossiers"][5].value, rows["online_dossiers"][5].data_type) == (1131, "n")
    units = {r[0].value: r for r in wb["Theo đơn vị"].iter_rows(min_row=6)}
    assert set(units) == set(OrgUnit.objects.subtree_of(OrgUnit.objects.get(code="HT")).values_list("code", flat=True))


# -- who may download ------------------------------------------------------------------------------


def test_a_clerk_is_refused_their_own_units_report(client, clerk_can_loc):
    assert download(client, clerk_can_loc).status_code == 403
    assert download(client, clerk_can_loc, "docx").status_code == 403


@pytest.mark.parametrize("persona", ["clerk_can_loc", "outsider", "district_reviewer"])
def test_a_unit_out_of_sight_is_not_found(client, request, persona):
    user = request.getfixturevalue(persona)
    for fmt in ("xlsx", "docx"):
        r = download(client, user, fmt, unit="HT")
        assert r.status_code == 404, (persona, fmt)
        assert not r.streaming


def test_a_district_reviewer_downloads_their_district(client, district_reviewer):
    r = download(client, district_reviewer, unit="HT-444")
    assert r.status_code == 200
    assert r["Content-Disposition"] == 'attachment; filename="bao-cao-2018-HT-444.xlsx"'
    units = load_workbook(io.BytesIO(body(r)))["Theo đơn vị"]
    assert {row[0].value for row in units.iter_rows(min_row=6)} == set(
        OrgUnit.objects.subtree_of(OrgUnit.objects.get(code="HT-444")).values_list("code", flat=True)
    )


def test_a_leader_asking_for_drafts_is_refused(client, leader):
    assert download(client, leader, status="all").status_code == 403


def test_a_bad_quarter_is_a_message_not_a_file(client, leader):
    r = download(client, leader, quarter="7")
    assert r.status_code == 400
    assert "Quý phải là 1, 2, 3 hoặc 4." in r.content.decode()


# -- figures folded once -------------------------------------------------------------------------


def test_rendering_a_built_report_folds_no_figure_again(db, province, monkeypatch):
    report = annual_report(org_unit=province, year=2018)
    report.unit_tables  # noqa: B018 (the docx's and page's tables, built from the same roll-ups)

    def folded(*a, **kw):
        raise AssertionError("a renderer folded figures again")

    monkeypatch.setattr(Rollup, "__init__", folded)
    monkeypatch.setattr(Rollup, "many", folded)
    xlsx = load_workbook(io.BytesIO(render_xlsx.render(report)))
    assert xlsx["Báo cáo"].max_row >= 4 + len(report.lines)
    assert "2.213" in " ".join(p.text for p in Document(io.BytesIO(render_docx.render(report))).paragraphs)
    assert "2.213" in render_html(report)


def test_a_new_counting_day_reaches_the_next_report(db):
    unit = OrgUnit.objects.get(code="HT-443")

    def day():
        lines = annual_report(org_unit=unit, year=2019, layer="all").lines
        return next(ln.as_of for ln in lines if ln.indicator.code == "online_dossiers")

    values_save(rows=[ValueRow("HT-443", "online_dossiers", 2019, 4, value=40, as_of="31/10/2019")], by=None)
    assert day() == datetime.date(2019, 10, 31)
    assert day() == datetime.date(2019, 10, 31)  # the same data: the same day, kept
    values_save(rows=[ValueRow("HT-443", "online_dossiers", 2019, 4, value=40, as_of="30/11/2019")], by=None)
    assert day() == datetime.date(2019, 11, 30)


# -- export_report ---------------------------------------------------------------------------------


# openpyxl's abandoned sheet writers complain (lxml "not in an element") when they are collected.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_export_report_that_fails_leaves_no_half_written_file(db, tmp_path, monkeypatch):
    def broken(book, report):
        raise RuntimeError("disk full")

    monkeypatch.setattr(render_xlsx, "_sheet_quarters", broken)
    out = tmp_path / "r.xlsx"
    with pytest.raises(RuntimeError, match="disk full") as failed:
        call_command("export_report", "2018", "--format", "xlsx", "-o", str(out), stderr=io.StringIO())
    assert not out.exists()
    del failed
    gc.collect()  # the abandoned sheets go now, under this test's warning filter
