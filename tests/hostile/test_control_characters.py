"""NUL and other control characters: refused with a clear message on every channel, never a traceback or a 500.

The check lives in indicators.services (ValueRow / _clean_row), so the form, the upload,
the API and import_values all get it; tab and line breaks stay allowed in notes.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import ManagementUtility
from django.db import connections

from indicators.models import DataValue
from indicators.services import ValueRow, values_save
from reform_portal.tabular import RowsInvalid
from tests.api.conftest import token_client
from tests.indicators.test_entry_views import form_data

HEADER = "org_unit,indicator,year,quarter,value,numerator,denominator,note\n"
MESSAGE = "Có ký tự điều khiển không hợp lệ (ví dụ NUL); hãy xóa ký tự đó rồi nhập lại."


def saved_2019():
    return DataValue.objects.filter(year=2019).count()


@pytest.mark.parametrize(
    "bad", ["\x00", "\x07", "\x1b[31m", "\x7f", "\x85", "\ud800"], ids=["NUL", "BEL", "ESC", "DEL", "NEL", "surrogate"]
)
def test_the_service_refuses_a_control_character_in_a_note(db, bad):
    with pytest.raises(RowsInvalid) as exc:
        values_save(rows=[ValueRow("HT-443", "website_articles", 2019, 1, value=5, note=f"ghi{bad}chú", row=3)])
    assert [(e.row, e.field, str(e.message)) for e in exc.value.errors] == [(3, "note", MESSAGE)]
    assert saved_2019() == 0


def test_tab_and_line_breaks_in_a_note_are_kept(db):
    values_save(rows=[ValueRow("HT-443", "website_articles", 2019, 1, value=5, note="dòng 1\r\ndòng\t2")])
    assert DataValue.objects.get(year=2019, org_unit__code="HT-443").note == "dòng 1\r\ndòng\t2"


def test_a_nul_in_a_code_or_a_number_is_an_error_not_a_database_failure(db):
    with pytest.raises(RowsInvalid) as exc:
        values_save(
            rows=[
                ValueRow("HT-4\x0043", "website_articles", 2019, 1, value=5, row=1),
                ValueRow("HT-443", "website_articles", 2019, 1, value="5\x00", row=2),
            ]
        )
    errors = [(e.row, e.field) for e in exc.value.errors]
    assert errors == [(1, "org_unit"), (2, "value")]
    assert "Không tìm thấy đơn vị «HT-4\ufffd43»." in str(exc.value.errors[0])  # shown, never sent to the database
    assert saved_2019() == 0


def test_import_values_prints_the_row_and_exits_non_zero_without_a_traceback(db, tmp_path, capsys, monkeypatch):
    # manage.py's own entry point, as an operator runs it; it closes every connection when it ends,
    # which would end the test's transaction too.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    path = tmp_path / "values.csv"
    path.write_text(HEADER + "HT-443,website_articles,2019,1,25,,,tốt\nHT-443,leaflets_issued,2019,1,5,,,có\x00NUL\n")
    with pytest.raises(SystemExit) as exc:
        ManagementUtility(["manage.py", "import_values", str(path)]).execute()
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert f"Dòng 3, Ghi chú: {MESSAGE}" in err and "1 error(s); nothing was saved." in err
    assert "Traceback" not in err
    assert saved_2019() == 0


def test_the_upload_shows_the_message_and_saves_nothing(client, clerk_can_loc):
    client.force_login(clerk_can_loc)
    csv = (HEADER + "HT-443,website_articles,2019,1,25,,,tốt\x00\n").encode()
    r = client.post("/entry/HT-443/2019/1/upload/", {"file": SimpleUploadedFile("values.csv", csv, "text/csv")})
    assert r.status_code == 400
    assert f"Dòng 2, Ghi chú: {MESSAGE}" in r.content.decode()
    assert saved_2019() == 0


def test_the_entry_form_puts_the_message_next_to_the_note(client, clerk_can_loc):
    client.force_login(clerk_can_loc)
    page = client.get("/entry/HT-443/2019/1/")
    r = client.post(
        "/entry/HT-443/2019/1/",
        form_data(page, **{"v-website_articles": "25", "note-website_articles": "a\x1bb", "action": "save"}),
    )
    assert r.status_code == 400
    assert r.context["form"].errors["note-website_articles"] == [MESSAGE]
    assert saved_2019() == 0


@pytest.mark.parametrize("bad", ["\x07", "\x00"], ids=["BEL", "NUL"])
def test_the_api_answers_400_in_its_error_shape(db, clerk_can_loc, bad):
    row = {"org_unit": "HT-443", "indicator": "website_articles", "year": 2019, "quarter": 1, "value": 25, "note": f"x{bad}"}
    r = token_client(clerk_can_loc).post("/api/v1/values/", [row], format="json")
    assert r.status_code == 400
    body = r.json()
    assert set(body) >= {"detail", "code", "errors"}
    if bad == "\x00":  # refused by the API's parser already
        assert body["code"] == "parse_error" and "NUL" in body["detail"]
    else:
        assert body["errors"] == [{"index": 0, "field": "note", "message": MESSAGE}]
    assert saved_2019() == 0
