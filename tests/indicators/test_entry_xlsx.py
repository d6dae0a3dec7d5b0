"""The unit-quarter form as Excel: download, fill offline, upload through the same checks."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from indicators.models import Channel, DataValue, ValueChange
from indicators.services import ValueRow, values_save

FORM = "/entry/HT-443/2019/1/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def as_clerk(client, clerk_can_loc):
    client.force_login(clerk_can_loc)
    return client


def download(client, url=FORM):
    r = client.get(url + "xlsx/")
    assert r.status_code == 200 and r["Content-Type"] == XLSX
    return openpyxl.load_workbook(io.BytesIO(r.content))


def rows_by_code(ws):
    header = [c.value for c in ws[5]]
    return header, {row[1].value: row for row in ws.iter_rows(min_row=6) if row[1].value}


def upload(client, wb, name="bieu-mau.xlsx", url=FORM):
    out = io.BytesIO()
    wb.save(out)
    return client.post(url + "upload/", {"file": SimpleUploadedFile(name, out.getvalue(), XLSX)})


def test_download_has_codes_names_units_values_and_locked_headers(as_clerk):
    wb = download(as_clerk, "/entry/HT-443/2018/4/")
    ws = wb.active
    assert "Quý IV/2018" in ws["A1"].value and "Huyện Can Lộc" in ws["A1"].value
    assert "15/09/2018" in ws["A2"].value and "14/12/2018" in ws["A2"].value
    header, rows = rows_by_code(ws)
    assert header[:4] == ["org_unit", "indicator", "year", "quarter"] and "value" in header and "note" in header
    leaflets = rows["leaflets_issued"]
    assert leaflets[0].value == "HT-443" and leaflets[4].value.startswith("Tờ rơi") and leaflets[6].value == 1741
    assert (rows["commune_websites"][7].value, rows["commune_websites"][8].value) == (20, 23)
    assert ws.protection.sheet is True
    assert ws["A5"].protection.locked and leaflets[1].protection.locked  # headers and codes
    assert not leaflets[6].protection.locked and not leaflets[9].protection.locked  # value and note
    assert r_filename(as_clerk) == 'attachment; filename="bieu-mau-HT-443-2019-Q1.xlsx"'


def r_filename(client):
    return client.get(FORM + "xlsx/")["Content-Disposition"]


def test_round_trip_saves_through_the_upload_channel(as_clerk, clerk_can_loc):
    wb = download(as_clerk)
    ws = wb.active
    _header, rows = rows_by_code(ws)
    rows["leaflets_issued"][6].value = 1900
    rows["edoc_exchange_rate"][6].value = 85.93
    rows["commune_websites"][7].value, rows["commune_websites"][8].value = 21, 23
    rows["leaflets_issued"][9].value = "Số liệu từ sổ phát hành"
    r = upload(as_clerk, wb)
    assert r.status_code == 302 and r.url == FORM
    v = DataValue.objects.get(org_unit__code="HT-443", indicator__code="leaflets_issued", year=2019, quarter=1)
    assert v.value == 1900 and v.note == "Số liệu từ sổ phát hành"
    assert DataValue.objects.get(indicator__code="edoc_exchange_rate", org_unit__code="HT-443", year=2019).value == Decimal(
        "85.93"
    )
    change = ValueChange.objects.get(indicator__code="leaflets_issued", org_unit__code="HT-443", year=2019, quarter=1)
    assert change.channel == Channel.UPLOAD and change.changed_by == clerk_can_loc
    assert "Đã nhận tệp" in as_clerk.get(FORM).content.decode()


def test_a_bad_row_is_reported_with_its_line_and_nothing_is_saved(as_clerk):
    wb = download(as_clerk)
    _header, rows = rows_by_code(wb.active)
    rows["leaflets_issued"][6].value = 1900
    rows["website_articles"][6].value = "nhiều"
    line = rows["website_articles"][6].row
    r = upload(as_clerk, wb)
    html = r.content.decode()
    assert r.status_code == 400
    assert f"Dòng {line}, Giá trị: Giá trị phải là số nguyên không âm (nhận được «nhiều»)." in html
    assert not DataValue.objects.filter(org_unit__code="HT-443", year=2019, quarter=1).exists()


def test_rows_of_another_unit_are_refused(as_clerk):
    wb = download(as_clerk)
    _header, rows = rows_by_code(wb.active)
    rows["leaflets_issued"][0].value = "HT-444"
    rows["leaflets_issued"][6].value = 10
    r = upload(as_clerk, wb)
    assert r.status_code == 400
    assert "thuộc đơn vị hoặc kỳ khác" in r.content.decode()
    assert not DataValue.objects.filter(year=2019, quarter=1).exists()


def test_a_file_downloaded_before_someone_elses_change_does_not_overwrite_it(as_clerk, admin_user):
    wb = download(as_clerk)
    values_save(rows=[ValueRow("HT-443", "leaflets_issued", 2019, 1, value="1900")], by=admin_user, channel=Channel.FORM)
    _header, rows = rows_by_code(wb.active)
    rows["leaflets_issued"][6].value = 1500
    r = upload(as_clerk, wb)
    assert r.status_code == 400
    assert "đã được admin thay đổi sau khi bạn tải biểu mẫu" in r.content.decode()
    assert DataValue.objects.get(org_unit__code="HT-443", indicator__code="leaflets_issued", year=2019).value == 1900


def test_an_unreadable_file_gets_a_clear_message(as_clerk):
    r = as_clerk.post(FORM + "upload/", {"file": SimpleUploadedFile("x.xlsx", b"not a workbook", XLSX)})
    assert r.status_code == 400
    assert "Không đọc được tệp Excel" in r.content.decode()
    r = as_clerk.post(FORM + "upload/", {})
    assert "Chọn tệp cần tải lên." in r.content.decode()


def test_uploading_to_a_locked_quarter_is_refused(as_clerk):
    wb = download(as_clerk, "/entry/HT-443/2018/4/")
    r = upload(as_clerk, wb, url="/entry/HT-443/2018/4/")
    assert r.status_code == 400
    assert "bị khóa" in r.content.decode()
