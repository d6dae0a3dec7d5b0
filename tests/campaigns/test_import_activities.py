"""import_activities: all or nothing with every bad row named; what a good file adds up to shows on the form."""

import io
import re

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from campaigns.models import Activity

pytestmark = pytest.mark.django_db

HEADER = "org_unit,kind,date,end_date,title,outlet,place,quantity,participants,campaign,url,note\n"
GOOD = HEADER + (
    "HT-443,training_class,10/01/2019,,Tập huấn DVC xã Thiên Lộc,,UBND xã Thiên Lộc,,510,,,\n"
    'HT-443,training_class,2019-02-20,2019-02-21,Tập huấn DVC thị trấn Nghèn,,Thị trấn Nghèn,,"1,010",,,\n'
    "HT-443,leaflet_run,2019-01-25,,Tờ rơi hướng dẫn thủ tục đất đai,Xưởng in huyện,,1.800,,,https://canloc.hatinh.gov.vn/to-roi,\n"
)
BAD = HEADER + (
    "HT-443,training_class,10/01/2019,,Lớp tốt,,,,50,,,\n"
    "HT-999,training_class,10/01/2019,,Đơn vị lạ,,,,50,,,\n"
    "HT-443,webinar,10/01/2019,,Loại lạ,,,,50,,,\n"
    "HT-443,leaflet_run,hôm qua,,Ngày sai,,,100,,,,\n"
    "HT-443,leaflet_run,2019-01-25,,Thiếu số lượng,,,,,,,\n"
)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_file_with_bad_rows_saves_nothing_and_lists_every_bad_row(tmp_path):
    err = io.StringIO()
    with pytest.raises(CommandError, match="4 error"):
        call_command("import_activities", write(tmp_path, "bad.csv", BAD), stdout=io.StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    assert [line.split(",")[0] for line in lines] == ["Dòng 3", "Dòng 4", "Dòng 5", "Dòng 6"]
    assert "Không tìm thấy đơn vị «HT-999»" in lines[0]
    assert "Loại: Loại hoạt động «webinar» không hợp lệ" in lines[1]
    assert "Ngày:" in lines[2] and "Số lượng:" in lines[3]
    assert not Activity.objects.filter(org_unit__code="HT-443", year=2019).exists()


def test_an_unknown_column_is_an_error(tmp_path):
    text = GOOD.replace("participants", "participans", 1)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_activities", write(tmp_path, "typo.csv", text), stdout=io.StringIO(), stderr=err)
    assert "Cột không được hỗ trợ: participans" in err.getvalue()


def test_dry_run_checks_and_saves_nothing(tmp_path):
    out = io.StringIO()
    call_command("import_activities", write(tmp_path, "good.csv", GOOD), "--dry-run", stdout=out)
    assert "3 activities checked" in out.getvalue()
    assert not Activity.objects.filter(org_unit__code="HT-443", year=2019).exists()


def test_a_good_files_sums_appear_on_the_quarters_form(tmp_path, client, clerk_can_loc):
    out = io.StringIO()
    call_command("import_activities", write(tmp_path, "good.csv", GOOD), stdout=out)
    assert "3 activities saved" in out.getvalue()
    client.force_login(clerk_can_loc)
    html = client.get("/entry/HT-443/2019/1/").content.decode()
    row = html[html.index('id="row-online_service_trainees"') :]
    row = row[: row.index("</tr>")]
    assert "theo nhật ký: 2 lớp, 1.520 lượt người" in row
    assert re.search(r'name="v-online_service_trainees" value="1.520"', row)  # pre-filled, Vietnamese style
    leaflets = html[html.index('id="row-leaflets_issued"') :]
    assert "theo nhật ký: 1.800 tờ" in leaflets[: leaflets.index("</tr>")]


def test_an_xlsx_file_works_the_same_way(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Nhật ký hoạt động tuyên truyền — Can Lộc"])  # a title above the header
    ws.append(HEADER.strip().split(","))
    ws.append(["HT-443", "legal_session", "2019-03-01", None, "Tuyên truyền Luật Tiếp cận thông tin", None, "Xã Kim Song Trường"])
    path = tmp_path / "log.xlsx"
    wb.save(path)
    call_command("import_activities", str(path), stdout=io.StringIO())
    activity = Activity.objects.get(org_unit__code="HT-443", kind="legal_session")
    assert (activity.year, activity.quarter, activity.place) == (2019, 1, "Xã Kim Song Trường")
