"""The quarterly entry form in the browser: what a clerk sees, saves, submits, and what is refused."""

from decimal import Decimal

import pytest
from django.utils import formats, translation

from indicators import workflow
from indicators.models import Channel, DataValue, Submission, SubmissionStatus, ValueChange
from indicators.services import ValueRow, values_save
from organizations.models import OrgUnit

FORM = "/entry/HT-443/2019/1/"
RADIO = "Lượt chương trình phát thanh về CCHC trên hệ thống truyền thanh cơ sở"


def form_data(response, **changes) -> dict:
    """The POST a browser would send for the rendered form, with some inputs changed (Vietnamese text)."""
    form = response.context["form"]
    data = {}
    with translation.override("vi"):
        for bf in form:
            value = bf.value()
            if value is None:
                data[bf.html_name] = ""
            elif bf.html_name[:2] in ("v-", "n-", "d-"):
                data[bf.html_name] = formats.localize_input(value)
            else:
                data[bf.html_name] = str(value)
    data.update(changes)
    return data


def cell(unit_code, indicator, year=2019, quarter=1):
    return DataValue.objects.filter(org_unit__code=unit_code, indicator__code=indicator, year=year, quarter=quarter).first()


@pytest.fixture
def as_clerk(client, clerk_can_loc):
    client.force_login(clerk_can_loc)
    return client


# -- what the form shows ---------------------------------------------------------------------------


def test_form_has_a_real_label_with_the_vietnamese_name_of_each_indicator(as_clerk):
    r = as_clerk.get(FORM)
    html = r.content.decode()
    assert r.status_code == 200
    assert f'<label for="id_v-grassroots_radio_broadcasts">{RADIO}</label>' in html
    assert 'name="v-grassroots_radio_broadcasts"' in html
    # A ratio is two inputs; its label points at the numerator, the denominator has its own.
    assert 'name="n-commune_websites"' in html and 'name="d-commune_websites"' in html
    # Indicators the district does not report are not on its form.
    assert "tv_radio_bulletins" not in html


def test_form_shows_the_data_window_due_date_and_previous_quarter(as_clerk):
    html = as_clerk.get(FORM).content.decode()
    assert "15/12/2018 – 14/03/2019" in html
    assert "Hạn gửi: 21/03/2019" in html
    assert "Quý IV/2018" in html
    assert "1.741" in html  # leaflets issued by Can Loc in Q4 2018, Vietnamese grouping
    assert "20/23" in html  # commune websites, a ratio
    assert "A. Tuyên truyền cải cách hành chính" in html and "B. Hiện đại hóa hành chính" in html


def test_form_of_a_year_out_of_range_or_a_fifth_quarter_is_404(as_clerk):
    assert as_clerk.get("/entry/HT-443/2019/5/").status_code == 404
    assert as_clerk.get("/entry/HT-443/1800/1/").status_code == 404


def test_form_page_query_count_is_bounded(as_clerk, django_assert_max_num_queries):
    with django_assert_max_num_queries(14):
        assert as_clerk.get(FORM).status_code == 200


# -- saving ------------------------------------------------------------------------------------------


def test_save_draft_reads_vietnamese_thousands_and_decimals(as_clerk, clerk_can_loc):
    r = as_clerk.get(FORM)
    data = form_data(
        r,
        **{
            "v-leaflets_issued": "2.213",
            "v-edoc_exchange_rate": "85,93",
            "n-commune_websites": "21",
            "d-commune_websites": "23",
            "note-leaflets_issued": "Theo sổ phát hành",
            "action": "save",
        },
    )
    r = as_clerk.post(FORM, data)
    assert r.status_code == 302 and r.url == FORM
    assert cell("HT-443", "leaflets_issued").value == Decimal("2213")
    assert cell("HT-443", "leaflets_issued").note == "Theo sổ phát hành"
    assert cell("HT-443", "edoc_exchange_rate").value == Decimal("85.93")
    assert (cell("HT-443", "commune_websites").numerator, cell("HT-443", "commune_websites").denominator) == (21, 23)
    change = ValueChange.objects.get(org_unit__code="HT-443", indicator__code="leaflets_issued", year=2019, quarter=1)
    assert change.channel == Channel.FORM and change.changed_by == clerk_can_loc
    # Only the cells that changed were written.
    assert DataValue.objects.filter(org_unit__code="HT-443", year=2019, quarter=1).count() == 3
    page = as_clerk.get(FORM).content.decode()
    assert 'value="2.213"' in page and 'value="85,93"' in page
    assert "Đang nhập" in page


def test_an_error_is_shown_next_to_its_field_and_nothing_is_saved(as_clerk):
    r = as_clerk.get(FORM)
    data = form_data(
        r, **{"v-leaflets_issued": "2.213", "n-commune_websites": "30", "d-commune_websites": "20", "action": "save"}
    )
    r = as_clerk.post(FORM, data)
    html = r.content.decode()
    assert r.status_code == 400
    assert "Tử số (30) không được lớn hơn mẫu số (20)." in html
    # Next to the field: inside the commune_websites row.
    row = html.split('id="row-commune_websites"')[1].split("</tr>")[0]
    assert "Tử số (30) không được lớn hơn mẫu số (20)." in row
    # Nothing partial: the valid leaflet figure was not saved either; what was typed is kept.
    assert cell("HT-443", "leaflets_issued") is None
    assert 'value="2.213"' in html and 'value="30"' in html
    assert "Chưa lưu được" in html


def test_text_that_is_not_a_number_gets_a_vietnamese_message(as_clerk):
    r = as_clerk.post(FORM, form_data(as_clerk.get(FORM), **{"v-leaflets_issued": "hai nghìn", "action": "save"}))
    assert r.status_code == 400
    assert "«hai nghìn» không phải là số nguyên. Viết như 1.741." in r.content.decode()
    assert cell("HT-443", "leaflets_issued") is None


def test_a_percent_above_100_is_refused_by_the_service_rule(as_clerk):
    r = as_clerk.post(FORM, form_data(as_clerk.get(FORM), **{"v-edoc_exchange_rate": "120", "action": "save"}))
    assert r.status_code == 400
    assert "Tỷ lệ phải là số từ 0 đến 100" in r.content.decode()


def test_clearing_a_value_deletes_the_cell(as_clerk):
    r = as_clerk.post(FORM, form_data(as_clerk.get(FORM), **{"v-leaflets_issued": "1.500", "action": "save"}))
    assert r.status_code == 302 and cell("HT-443", "leaflets_issued").value == 1500
    r = as_clerk.post(FORM, form_data(as_clerk.get(FORM), **{"v-leaflets_issued": "", "action": "save"}))
    assert r.status_code == 302
    assert cell("HT-443", "leaflets_issued") is None


# -- submitting ------------------------------------------------------------------------------------


def test_submit_saves_and_sends_for_review(as_clerk, clerk_can_loc):
    r = as_clerk.post(FORM, form_data(as_clerk.get(FORM), **{"v-leaflets_issued": "1.800", "action": "submit"}))
    assert r.status_code == 302
    sub = Submission.objects.get(org_unit__code="HT-443", year=2019, quarter=1)
    assert sub.status == SubmissionStatus.SUBMITTED and sub.submitted_by == clerk_can_loc
    assert cell("HT-443", "leaflets_issued").value == 1800
    page = as_clerk.get(FORM).content.decode()
    assert "Đã gửi, chờ duyệt" in page
    assert 'value="submit"' not in page  # nothing to submit twice


def test_submit_with_quality_warnings_saves_but_waits_for_acknowledgement(as_clerk):
    # 15.000 leaflets against about 1.500 a quarter before: worth a second look.
    r = as_clerk.post(FORM, form_data(as_clerk.get(FORM), **{"v-leaflets_issued": "15.000", "action": "submit"}))
    assert r.status_code == 302
    assert cell("HT-443", "leaflets_issued").value == 15000
    assert not Submission.objects.filter(org_unit__code="HT-443", year=2019, quarter=1, status="submitted").exists()
    page = as_clerk.get(FORM)
    html = page.content.decode()
    assert "Cao gấp" in html and "cảnh báo" in html
    assert 'name="acknowledge"' in html
    r = as_clerk.post(FORM, form_data(page, action="submit", acknowledge="1"))
    assert r.status_code == 302
    assert Submission.objects.get(org_unit__code="HT-443", year=2019, quarter=1).status == SubmissionStatus.SUBMITTED


def test_a_returned_report_shows_the_reviewers_comment_and_can_be_resubmitted(as_clerk, clerk_can_loc, reviewer):
    unit = OrgUnit.objects.get(code="HT-443")
    workflow.submission_submit(org_unit=unit, year=2019, quarter=1, by=clerk_can_loc)
    sub = Submission.objects.get(org_unit=unit, year=2019, quarter=1)
    workflow.submission_return(submission=sub, by=reviewer, comment="Số tờ rơi chưa khớp sổ phát hành")
    html = as_clerk.get(FORM).content.decode()
    assert "Báo cáo bị trả lại." in html and "Số tờ rơi chưa khớp sổ phát hành" in html
    listing = as_clerk.get("/entry/?year=2019").content.decode()
    assert "Số tờ rơi chưa khớp sổ phát hành" in listing
    r = as_clerk.post(FORM, form_data(as_clerk.get(FORM), **{"v-leaflets_issued": "1.700", "action": "submit"}))
    assert r.status_code == 302
    assert Submission.objects.get(pk=sub.pk).status == SubmissionStatus.SUBMITTED


# -- two people, one form ----------------------------------------------------------------------------


def test_a_save_that_would_overwrite_a_newer_value_is_refused_and_shows_it(as_clerk, admin_user):
    seen = as_clerk.get(FORM)  # the clerk opens the form (empty cell, version 0)
    values_save(
        rows=[ValueRow("HT-443", "leaflets_issued", 2019, 1, value="1900")], by=admin_user, channel=Channel.FORM
    )  # meanwhile someone else saves the same cell
    r = as_clerk.post(FORM, form_data(seen, **{"v-leaflets_issued": "1.750", "action": "save"}))
    html = r.content.decode()
    assert r.status_code == 400
    assert "vừa lưu giá trị mới cho ô này: 1.900" in html
    assert 'class="newer-value">1.900<' in html
    assert 'value="1.750"' in html  # the clerk's figure is kept on screen
    assert cell("HT-443", "leaflets_issued").value == 1900  # ... and the newer one in the database
    # Saving again, knowingly, overwrites.
    r = as_clerk.post(FORM, {**r.context["form"].data.dict(), "action": "save"})
    assert r.status_code == 302
    assert cell("HT-443", "leaflets_issued").value == 1750


def test_another_persons_change_to_a_cell_the_clerk_left_alone_is_kept(as_clerk, admin_user):
    seen = as_clerk.get(FORM)
    values_save(rows=[ValueRow("HT-443", "website_articles", 2019, 1, value="99")], by=admin_user, channel=Channel.FORM)
    r = as_clerk.post(FORM, form_data(seen, **{"v-leaflets_issued": "1.750", "action": "save"}))
    assert r.status_code == 302
    assert cell("HT-443", "website_articles").value == 99
    assert cell("HT-443", "leaflets_issued").value == 1750


# -- locked and closed ---------------------------------------------------------------------------------


def test_an_approved_quarter_is_locked_and_says_why(as_clerk):
    r = as_clerk.get("/entry/HT-443/2018/4/")
    html = r.content.decode()
    assert "Số liệu đã khóa." in html
    assert "Cán bộ thẩm định Sở TTTT" in html  # who approved it
    assert "đề nghị cán bộ thẩm định mở lại" in html
    assert 'name="v-leaflets_issued"' not in html
    assert "1.741" in html


def test_posting_to_a_locked_quarter_changes_nothing(as_clerk):
    data = {"v-leaflets_issued": "9999", "ver-leaflets_issued": "1", "was-leaflets_issued": "", "action": "save"}
    r = as_clerk.post("/entry/HT-443/2018/4/", data)
    assert r.status_code == 400
    assert "đã được phê duyệt nên số liệu bị khóa" in r.content.decode()
    assert cell("HT-443", "leaflets_issued", 2018, 4).value == Decimal("1741")


def test_a_quarter_after_the_unit_closed_takes_no_data(as_clerk):
    html = as_clerk.get("/entry/HT-443/2025/3/").content.decode()
    assert "Đơn vị không hoạt động trong Quý III/2025" in html
    assert 'name="v-leaflets_issued"' not in html


# -- the entry list ----------------------------------------------------------------------------------


def test_entry_list_shows_each_quarter_with_window_due_date_and_status(as_clerk):
    r = as_clerk.get("/entry/?year=2018")
    html = r.content.decode()
    assert r.status_code == 200
    assert "Huyện Can Lộc" in html
    assert "15/12/2017 – 14/03/2018" in html  # Q1 2018 data window
    assert "Đã phê duyệt" in html
    assert "/entry/HT-443/2018/1/" in html


def test_entry_list_flags_overdue_quarters(as_clerk):
    html = as_clerk.get("/entry/?year=2019").content.decode()
    assert "Quá hạn" in html and "Chưa nhập" in html
    assert "hạn gửi 21/03/2019, đã quá" in html


def test_entry_list_counts_queries_once_per_page(as_clerk, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        assert as_clerk.get("/entry/?year=2019").status_code == 200


def test_entry_list_for_a_user_without_units_says_so(client, outsider):
    client.force_login(outsider)
    html = client.get("/entry/").content.decode()
    assert "chưa được giao nhập số liệu" in html


def test_login_page_and_redirect(client):
    r = client.get("/entry/")
    assert r.status_code == 302 and r.url.startswith("/accounts/login/")


def test_saving_the_form_keeps_the_day_a_figure_was_counted(as_clerk):
    import datetime

    values_save(rows=[ValueRow("HT-443", "online_dossiers", 2019, 1, value=40, as_of="28/02/2019")])
    r = as_clerk.get(FORM)
    r = as_clerk.post(FORM, form_data(r, **{"v-online_dossiers": "45", "action": "save"}))
    assert r.status_code == 302
    saved = cell("HT-443", "online_dossiers")
    assert (saved.value, saved.as_of) == (45, datetime.date(2019, 2, 28))
