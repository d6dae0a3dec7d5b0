"""The catalogue as a file: export_indicators, import_indicators (all or nothing), and the admin's gaps by period."""

import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from indicators.models import Indicator
from organizations.models import OrgUnit
from organizations.services import org_units_import

REFERENCE = Path(__file__).resolve().parents[2] / "indicators" / "data" / "indicators.csv"


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def fails(*args) -> list[str]:
    err = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command(*args, stdout=io.StringIO(), stderr=err)
    assert "nothing was saved" in str(exc.value) or "Cột" in str(exc.value)
    return err.getvalue().strip().splitlines() or [str(exc.value)]


def exported(tmp_path) -> tuple[Path, list[dict]]:
    path = tmp_path / "catalogue.csv"
    run("export_indicators", "-o", str(path))
    with open(path, encoding="utf-8") as f:
        return path, list(csv.DictReader(f))


def test_export_writes_every_indicator_with_the_reference_columns(db, tmp_path):
    _path, rows = exported(tmp_path)
    assert len(rows) == Indicator.objects.count() == 41
    with open(REFERENCE, encoding="utf-8") as f:
        reference_columns = next(csv.reader(f))
    assert [c for c in reference_columns if c != "seed_2018"] == list(rows[0])[: len(reference_columns) - 1]
    stations = next(r for r in rows if r["code"] == "grassroots_stations_active")
    assert (stations["value_type"], stations["time_aggregation"], stations["reported_by"]) == (
        "ratio",
        "last",
        "district,commune",
    )


def test_export_then_import_round_trips_with_no_change(db, tmp_path):
    path, _rows = exported(tmp_path)
    assert "41 indicator(s): 0 new, 0 updated." in run("import_indicators", str(path))
    # The shipped reference file (with its seed_2018 column) imports too; the demo had let communes report
    # the districts' outreach flows (reports/demo/catalogue_2025.csv), which the reference file undoes.
    assert "41 indicator(s): 0 new, 7 updated." in run("import_indicators", str(REFERENCE))
    assert Indicator.objects.get(code="website_articles").reported_by == "department,district,central_agency"


def test_import_lets_communes_report_what_districts_did(db, tmp_path):
    path, rows = exported(tmp_path)
    for r in rows:
        if r["code"] == "website_articles":
            r["reported_by"] = "department, commune"
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    out = run("import_indicators", str(path))
    assert "0 new, 1 updated" in out
    assert Indicator.objects.get(code="website_articles").reported_by == "department,commune"


def test_dry_run_saves_nothing(db, tmp_path):
    path = tmp_path / "new.csv"
    with open(REFERENCE, encoding="utf-8") as f:
        header = f.readline()
    path.write_text(header + "contests,A,agencies,30,Cuộc thi,Quizzes,cuộc,quizzes,count,sum,sum,department,\n", encoding="utf-8")
    out = run("import_indicators", str(path), "--dry-run")
    assert "1 new" in out and "Dry run" in out
    assert not Indicator.objects.filter(code="contests").exists()
    run("import_indicators", str(path))
    assert Indicator.objects.get(code="contests").group.code == "agencies"


def test_a_bad_catalogue_saves_nothing_and_lists_every_bad_row(db, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "code,section,group,order,name_vi,name_en,unit_vi,unit_en,value_type,time_aggregation,unit_aggregation,reported_by\n"
        "ok_one,A,agencies,31,Một,,cái,,count,sum,sum,department\n"
        "bad_group,A,nope,32,Hai,,cái,,count,sum,sum,department\n"
        "bad_kind,A,agencies,33,Ba,,cái,,count,sum,sum,village\n"
        "bad_ratio,B,websites,34,Bốn,,đơn vị,,ratio,last,sum,province\n"
        "ok_one,A,agencies,35,Trùng,,cái,,count,sum,sum,department\n"
        "grassroots_stations_active,A,grassroots_radio,2,Trạm,,trạm,,count,last,sum,commune\n"
        ",A,agencies,x,Không mã,,cái,,count,sum,sum,department\n",
        encoding="utf-8",
    )
    lines = fails("import_indicators", str(path))
    text = "\n".join(lines)
    assert "Dòng 3, Nhóm: Không tìm thấy nhóm chỉ tiêu «nope»." in lines
    assert "Dòng 4, Loại đơn vị báo cáo: Loại đơn vị không hợp lệ: village" in lines
    assert "Dòng 5, Tổng hợp theo đơn vị: Chỉ tiêu tỷ số (ratio) phải tổng hợp theo đơn vị bằng «ratio»" in text
    assert "Dòng 6, Mã: Mã «ok_one» trùng với dòng 2." in lines
    assert "Dòng 7, Kiểu giá trị: Chỉ tiêu «grassroots_stations_active» đã có số liệu nên không thể đổi kiểu giá trị" in text
    assert "Dòng 8, Mã: Thiếu mã chỉ tiêu." in lines
    assert not Indicator.objects.filter(code="ok_one").exists()
    assert Indicator.objects.get(code="grassroots_stations_active").value_type == "ratio"


def test_an_unknown_column_is_refused(db, tmp_path):
    path, rows = exported(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace("reported_by", "reported_by,remark", 1), encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="Cột không hợp lệ: «remark»"):
        call_command("import_indicators", str(path), stdout=io.StringIO(), stderr=err)


def test_admin_lists_indicators_nobody_open_reports(client, reviewer):
    # A district-only indicator: nobody reports it once the districts are closed (30/06/2025).
    Indicator.objects.filter(code="online_dossiers_commune").update(reported_by="district")
    client.force_login(reviewer)
    html = client.get("/admin/indicators/indicator/?no_reporter_in=2025-3").content.decode()
    assert "Chỉ tiêu không có đơn vị báo cáo" in html
    assert "online_dossiers_commune" in html
    assert "leaflets_issued" not in html  # departments still report it
    html = client.get("/admin/indicators/indicator/?no_reporter_in=2025-2").content.decode()
    assert "online_dossiers_commune" not in html  # the districts were open until 30/06


def test_indicators_without_reporter_follows_what_is_open(db):
    import datetime

    from indicators.catalogue import indicators_without_reporter

    Indicator.objects.filter(code="online_dossiers_commune").update(reported_by="district")
    q3 = (datetime.date(2025, 7, 1), datetime.date(2025, 9, 30))
    assert "online_dossiers_commune" in set(indicators_without_reporter(*q3).values_list("code", flat=True))
    org_units_import(
        rows=[{"code": "HT-X", "parent": "HT", "kind": "district", "name_vi": "Huyện X", "valid_from": "2025-07-01"}]
    )
    assert OrgUnit.objects.get(code="HT-X")
    assert "online_dossiers_commune" not in set(indicators_without_reporter(*q3).values_list("code", flat=True))
