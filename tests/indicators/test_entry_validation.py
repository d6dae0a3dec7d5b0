"""One-pass validation of the entry form: every mistake of the form at once, each next to its field and
echoing what was typed; Vietnamese number input; the rules the browser receives are the service's."""

import json
import re
from decimal import Decimal

import pytest
from django.utils import translation

from indicators.cells import Unreadable, parse_typed
from indicators.models import DataValue
from tests.indicators.test_entry_views import FORM, cell, form_data

SIX_MISTAKES = {
    "v-website_articles": "-5",
    "v-leaflets_issued": "mười",
    "n-commune_websites": "25",
    "d-commune_websites": "23",
    "n-grassroots_stations_active": "21",
    "d-grassroots_stations_active": "",
    "v-edoc_exchange_rate": "120%",
    "v-legal_outreach_sessions": "2,5",
}


def row_html(html: str, code: str) -> str:
    return html.split(f'id="row-{code}"')[1].split("</tr>")[0]


@pytest.fixture
def as_clerk(client, clerk_can_loc):
    client.force_login(clerk_can_loc)
    return client


def test_the_six_mistakes_of_the_issue_are_all_reported_in_one_save(as_clerk):
    r = as_clerk.post(FORM, form_data(as_clerk.get(FORM), action="save", **SIX_MISTAKES))
    html = r.content.decode()
    assert r.status_code == 400
    expected = {
        "website_articles": "Giá trị phải là số nguyên không âm (nhận được «-5»).",
        "leaflets_issued": "«mười» không phải là số nguyên. Viết như 1.741.",
        "commune_websites": "Tử số (25) không được lớn hơn mẫu số (23).",
        "grassroots_stations_active": "Mẫu số phải là số nguyên lớn hơn 0.",
        "edoc_exchange_rate": "Tỷ lệ phải là số từ 0 đến 100 (nhận được «120%»).",
        # Echoes what was typed: "2,5", not "2.5".
        "legal_outreach_sessions": "Giá trị phải là số nguyên không âm (nhận được «2,5»).",
    }
    for code, message in expected.items():
        assert message in row_html(html, code), code
    assert "2.5" not in row_html(html, "legal_outreach_sessions").replace('value="2,5"', "")
    assert not DataValue.objects.filter(org_unit__code="HT-443", year=2019, quarter=1).exists()


def test_fixing_them_all_saves_everything_in_vietnamese_number_format(as_clerk):
    fixed = {
        "v-website_articles": "5",
        "v-leaflets_issued": "1.741",  # thousands grouped with a dot
        "n-commune_websites": "21",
        "d-commune_websites": "23",
        "n-grassroots_stations_active": "21",
        "d-grassroots_stations_active": "22",
        "v-edoc_exchange_rate": "85,93%",  # decimal comma, percent sign allowed
        "v-legal_outreach_sessions": "3",
    }
    r = as_clerk.post(FORM, form_data(as_clerk.get(FORM), action="save", **fixed))
    assert r.status_code == 302
    assert cell("HT-443", "leaflets_issued").value == 1741
    assert cell("HT-443", "edoc_exchange_rate").value == Decimal("85.93")
    assert (cell("HT-443", "commune_websites").numerator, cell("HT-443", "commune_websites").denominator) == (21, 23)
    html = as_clerk.get(FORM).content.decode()
    assert 'value="1.741"' in html and 'value="85,93"' in html  # shown back the same way


def test_a_dot_that_is_not_a_thousands_separator_is_refused_with_a_hint(as_clerk):
    r = as_clerk.post(FORM, form_data(as_clerk.get(FORM), action="save", **{"v-edoc_exchange_rate": "2.5"}))
    assert r.status_code == 400
    assert "«2.5» không phải là số. Viết như 85,93." in row_html(r.content.decode(), "edoc_exchange_rate")
    assert cell("HT-443", "edoc_exchange_rate") is None


@pytest.mark.parametrize(
    ("language", "text", "percent", "read"),
    [
        ("vi", "1.741", False, Decimal(1741)),
        ("vi", "1 741", False, Decimal(1741)),
        ("vi", "2,5", True, Decimal("2.5")),
        ("vi", "85,93 %", True, Decimal("85.93")),
        ("vi", "−5", False, Decimal(-5)),
        ("vi", "", False, None),
        ("vi", "2.5", True, Unreadable("2.5")),
        ("vi", "1.74", False, Unreadable("1.74")),
        ("vi", "12%", False, Unreadable("12%")),
        ("en", "1,741", False, Decimal(1741)),
        ("en", "2.5", True, Decimal("2.5")),
        ("en", "2,5", True, Unreadable("2,5")),
    ],
)
def test_numbers_are_read_the_way_the_page_language_writes_them(language, text, percent, read):
    with translation.override(language):
        got = parse_typed(text, percent=percent)
    assert got == read and type(got) is type(read)


def test_the_page_carries_the_service_rules_for_the_browser(as_clerk):
    html = as_clerk.get(FORM).content.decode()
    blob = re.search(r'<script id="entry-rules" type="application/json">(.*?)</script>', html, re.S).group(1)
    rules = json.loads(blob)
    assert rules["number"] == {"decimal": ",", "group": "."}
    assert rules["indicators"]["leaflets_issued"] == "count"
    assert rules["indicators"]["commune_websites"] == "ratio"
    assert rules["types"]["percent"]["max"] == 100 and rules["types"]["percent"]["places"] == 2
    assert rules["messages"]["count"] == "Giá trị phải là số nguyên không âm (nhận được «%(v)s»)."
    # Each input says which cell and part it is, for the script to find its rule.
    assert 'data-code="leaflets_issued" data-part="value"' in html
    assert 'data-code="commune_websites" data-part="denominator"' in html


def test_upload_errors_name_the_field_in_vietnamese(client, clerk_can_loc):
    from indicators.services import ValueRow, values_save
    from reform_portal.tabular import RowsInvalid

    with pytest.raises(RowsInvalid) as exc:
        values_save(rows=[ValueRow("HT-443", "leaflets_issued", 2019, 1, value="nhiều", row=16)], by=clerk_can_loc)
    assert [str(e) for e in exc.value.errors] == ["Dòng 16, Giá trị: Giá trị phải là số nguyên không âm (nhận được «nhiều»)."]
    with translation.override("en"):
        assert str(exc.value.errors[0]).startswith("Row 16, Value: ")
    # The API keeps the machine name of the field.
    assert exc.value.errors[0].as_dict()["field"] == "value"


def test_in_english_the_form_reads_and_explains_english_numbers(as_clerk):
    as_clerk.post("/i18n/setlang/", {"language": "en", "next": FORM})
    page = as_clerk.get(FORM)
    with translation.override("en"):
        data = form_data(page, action="save", **{"v-leaflets_issued": "1,741", "v-edoc_exchange_rate": "2,5"})
    r = as_clerk.post(FORM, data)
    assert r.status_code == 400
    assert "«2,5» is not a number. Write it like 85.93." in row_html(r.content.decode(), "edoc_exchange_rate")
    data["v-edoc_exchange_rate"] = "2.5"
    assert as_clerk.post(FORM, data).status_code == 302
    assert cell("HT-443", "leaflets_issued").value == 1741
    assert cell("HT-443", "edoc_exchange_rate").value == Decimal("2.5")
