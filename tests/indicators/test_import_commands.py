"""import_org_units + import_values from files, then the rule over what they imported."""

import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from indicators.aggregation import figures_for
from indicators.models import DataValue, ValueChange
from organizations.models import OrgUnit

UNITS = """code,parent,kind,name_vi,name_en,valid_from,valid_to
QT,,province,Tỉnh Thử,Test Province,2000-01-01,
QT-H1,QT,district,Huyện Một,District One,2000-01-01,
QT-H2,QT,district,Huyện Hai,District Two,2000-01-01,2030-06-30
QT-H1-X1,QT-H1,commune,Xã Một,Commune One,2000-01-01,
QT-H1-X2,QT-H1,commune,Xã Hai,Commune Two,2000-01-01,
QT-H2-X1,QT-H2,commune,Xã Ba,Commune Three,2000-01-01,
"""

# A partial year; H1 reports its commune rate for its subtree; no province figure for the rate.
VALUES = """org_unit,indicator,year,quarter,value,numerator,denominator,note
QT-H1-X1,grassroots_radio_broadcasts,2030,1,10,,,
QT-H1-X2,grassroots_radio_broadcasts,2030,1,15,,,
QT-H1-X2,grassroots_radio_broadcasts,2030,2,5,,,
QT-H2-X1,grassroots_radio_broadcasts,2030,2,7,,,
QT-H1,grassroots_stations_active,2030,2,,2,2,cả huyện
QT-H1-X1,grassroots_stations_active,2030,2,,1,1,
QT-H2-X1,grassroots_stations_active,2030,1,,0,1,
QT-H1,edoc_commune_rate,2030,2,80,,,
QT-H2,edoc_commune_rate,2030,1,90.5,,,
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def imported(db, tmp_path):
    run("import_org_units", write(tmp_path, "units.csv", UNITS))
    run("import_values", write(tmp_path, "values.csv", VALUES), "--approve", "--by", "admin")
    return OrgUnit.objects.get(code="QT")


def test_imported_tree_gets_paths_and_depths(imported):
    assert OrgUnit.objects.get(code="QT-H1-X2").path == "/QT/QT-H1/QT-H1-X2/"
    assert OrgUnit.objects.subtree_of(imported).count() == 6


def test_imported_values_aggregate_as_the_rule_says(imported):
    f = figures_for(org_unit=imported, year=2030, quarter=2)
    assert f["grassroots_radio_broadcasts"].display == "37"
    assert f["grassroots_stations_active"].display == "2/3"  # H1's own 2/2 + H2's commune 0/1; X1 not twice
    assert f["edoc_commune_rate"].display == "85,25%"
    assert figures_for(org_unit=imported, year=2030, quarter=1)["grassroots_radio_broadcasts"].display == "25"
    assert f["online_dossiers_commune"].display == "—"


def test_import_values_reads_xlsx_too(imported, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Số liệu quý 3/2030"])  # a title row above the header is fine
    ws.append(["org_unit", "indicator", "year", "quarter", "value", "numerator", "denominator", "note"])
    ws.append(["QT-H1-X1", "grassroots_radio_broadcasts", 2030, 3, 4, None, None, None])
    path = tmp_path / "v.xlsx"
    wb.save(path)
    out, _err = run("import_values", str(path), "--approve", "--by", "admin")
    assert "1 new" in out
    assert figures_for(org_unit=imported, year=2030)["grassroots_radio_broadcasts"].value == 41


def test_dry_run_validates_and_saves_nothing(db, tmp_path):
    run("import_org_units", write(tmp_path, "units.csv", UNITS))
    out, _err = run("import_values", write(tmp_path, "values.csv", VALUES), "--dry-run")
    assert "nothing was saved" in out
    assert not DataValue.objects.filter(org_unit__code__startswith="QT").exists()
    assert not ValueChange.objects.filter(org_unit__code__startswith="QT").exists()


def test_a_file_with_bad_rows_saves_nothing_and_lists_every_bad_row(db, tmp_path):
    run("import_org_units", write(tmp_path, "units.csv", UNITS))
    bad = VALUES.replace("QT-H1-X1,grassroots_radio_broadcasts,2030,1,10", "QT-H1-X1,grassroots_radio_broadcasts,2031,1,10")
    bad += "QT-H1-X1,grassroots_radio_broadcasts,2031,2,mười,,,\nQT-H9,grassroots_radio_broadcasts,2031,2,1,,,\nQT-H1,edoc_commune_rate,2031,1,120,,,\n"
    before = DataValue.objects.count()
    err = io.StringIO()
    with pytest.raises(CommandError, match="3 error"):
        call_command("import_values", write(tmp_path, "bad.csv", bad), stdout=io.StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    assert lines == [
        "Dòng 11, Giá trị: Giá trị phải là số nguyên không âm (nhận được «mười»).",
        "Dòng 12, Đơn vị: Không tìm thấy đơn vị «QT-H9».",
        "Dòng 13, Giá trị: Tỷ lệ phải là số từ 0 đến 100 (nhận được «120»).",
    ]
    assert DataValue.objects.count() == before


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("v.txt", b"x", "Chỉ nhận tệp .csv hoặc .xlsx."),
        ("v.csv", b"org_unit;indicator\n", "Không tìm thấy dòng tiêu đề có đủ các cột"),
        ("v.csv", "org_unit,indicator,year,quarter\n".encode("utf-16"), "UTF-8"),
        ("v.xlsx", b"not a zip", "Không đọc được tệp Excel"),
    ],
)
def test_unreadable_files_are_a_clear_error_not_a_traceback(db, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        run("import_values", str(path))


def test_missing_file_is_a_clear_error(db):
    with pytest.raises(CommandError, match="File not found"):
        run("import_values", "/nonexistent.csv")


def test_import_org_units_updates_by_code_and_is_idempotent(imported, tmp_path):
    out, _ = run("import_org_units", write(tmp_path, "units.csv", UNITS))
    assert "0 new, 0 updated" in out
    moved = UNITS.replace("QT-H2-X1,QT-H2,commune,Xã Ba", "QT-H2-X1,QT-H1,commune,Xã Ba mới")
    out, _ = run("import_org_units", write(tmp_path, "units2.csv", moved))
    assert "0 new, 1 updated" in out
    x = OrgUnit.objects.get(code="QT-H2-X1")
    assert (x.name_vi, x.path) == ("Xã Ba mới", "/QT/QT-H1/QT-H2-X1/")


def test_import_org_units_rejects_a_bad_file_whole(db, tmp_path):
    bad = (
        UNITS
        + "QT-H3,QT-H9,district,Huyện Ba,,2000-01-01,\nQT-H4,QT,town,Thị xã,,2000-01-01,\nQT-H5,QT,district,,,31/02/2000,\nQT-A,QT-B,district,A,,,\nQT-B,QT-A,district,B,,,\n"
    )
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_org_units", write(tmp_path, "u.csv", bad), stdout=io.StringIO(), stderr=err)
    text = err.getvalue()
    assert "Dòng 8, Đơn vị cấp trên: Không tìm thấy đơn vị cấp trên «QT-H9»." in text
    assert "Dòng 9, Loại: Loại đơn vị «town» không hợp lệ" in text
    assert "Dòng 10, Tên tiếng Việt: Thiếu tên tiếng Việt." in text
    assert "Dòng 10, Hiệu lực từ: Ngày «31/02/2000» không hợp lệ" in text
    assert "Dòng 11, Đơn vị cấp trên: Quan hệ cấp trên tạo thành vòng lặp." in text
    assert not OrgUnit.objects.filter(code__startswith="QT").exists()


def test_approve_records_each_quarter_as_approved_on_import_by_whom(imported):
    from indicators.models import Submission, SubmissionStatus

    subs = Submission.objects.filter(org_unit__code__startswith="QT", year=2030)
    assert {(s.org_unit.code, s.quarter) for s in subs} == {
        ("QT-H1-X1", 1),
        ("QT-H1-X2", 1),
        ("QT-H1-X2", 2),
        ("QT-H2-X1", 2),
        ("QT-H1", 2),
        ("QT-H1-X1", 2),
        ("QT-H2-X1", 1),
        ("QT-H2", 1),
    }
    assert all(s.status == SubmissionStatus.APPROVED and s.reviewed_by.username == "admin" for s in subs)
    event = subs.first().events.get()
    assert (event.action, event.by.username, event.to_status) == ("import", "admin", SubmissionStatus.APPROVED)


def test_history_partly_approved_gives_official_figures_of_the_approved_quarters_only(db, tmp_path):
    import json

    run("import_org_units", write(tmp_path, "units.csv", UNITS))
    lines = VALUES.strip().splitlines()
    header, q1, q2 = lines[0], [r for r in lines[1:] if ",2030,1," in r], [r for r in lines[1:] if ",2030,2," in r]
    run("import_values", write(tmp_path, "q1.csv", "\n".join([header, *q1])), "--approve", "--by", "admin")
    run("import_values", write(tmp_path, "q2.csv", "\n".join([header, *q2])))  # drafts: not approved

    def export(*extra):
        out = tmp_path / "doc.json"
        call_command("export_report", "2030", "--quarter", "2", "--unit", "QT", "-o", str(out), *extra, stderr=io.StringIO())
        return json.loads(out.read_text(encoding="utf-8"))

    official, everything = export(), export("--status", "all")
    assert official["status"] == "official" and everything["status"] == "all"
    # Official: the rule over Q1 only (10 + 15 broadcasts; H2-X1's 0/1 stations; H2's 90.5%).
    assert official["figures"]["grassroots_radio_broadcasts"]["display"] == "25"
    assert official["figures"]["grassroots_stations_active"]["display"] == "0/1"
    assert official["figures"]["edoc_commune_rate"]["display"] == "90,5%"
    # All: the rule over everything, exactly as a fully approved import gives it.
    assert everything["figures"]["grassroots_radio_broadcasts"]["display"] == "37"
    assert everything["figures"]["grassroots_stations_active"]["display"] == "2/3"
    assert everything["figures"]["edoc_commune_rate"]["display"] == "85,25%"
    assert everything["provisional"] and not official["provisional"]


def test_approve_needs_a_reviewer_or_administrator(db, tmp_path):
    run("import_org_units", write(tmp_path, "units.csv", UNITS))
    path = write(tmp_path, "values.csv", VALUES)
    with pytest.raises(CommandError, match="needs --by"):
        run("import_values", path, "--approve")
    with pytest.raises(CommandError, match="not a reviewer"):
        run("import_values", path, "--approve", "--by", "canloc")
    assert not DataValue.objects.filter(org_unit__code__startswith="QT").exists()
