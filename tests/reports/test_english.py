"""English where English is chosen: the report and the dashboard in English words, units and number format.

One number format per language on every page, document and chart: vi 1.741 · 2,6%; en 1,741 · 2.6%.
Machine-facing text (the API's and the JSON export's `display`, figures frozen at publication) stays Vietnamese.
"""

import pytest
from django.utils import translation

from indicators.aggregation import report_document
from indicators.formatting import number, percent, ratio
from organizations.models import OrgUnit
from reports import render_docx
from reports.annual import annual_report
from reports.narrative import narrative_publish
from tests.reports.test_export import docx_text
from tests.test_i18n import switch_to_english, text_of


@pytest.fixture(autouse=True)
def _back_to_vietnamese():
    """A request in English leaves English active in the thread; the next test starts Vietnamese again."""
    yield
    translation.activate("vi")


@pytest.mark.parametrize(
    ("lang", "count", "rate", "share"),
    [("vi", "1.741", "2,6%", "221/262"), ("en", "1,741", "2.6%", "221/262")],
)
def test_one_number_format_per_language(lang, count, rate, share):
    with translation.override(lang):
        assert (number(1741), percent(2.6), ratio(221, 262)) == (count, rate, share)
    assert number(1741, "en") == "1,741" and number(1741, "vi") == "1.741"


def test_the_english_report_has_english_headings_units_and_numbers(client, leader):
    client.force_login(leader)
    switch_to_english(client)
    page = text_of(client.get("/reports/annual/2018/"))
    # headings of the results (the indicator groups), the period note, the appendix, the number
    for s in (
        "1. Outreach through the press",
        "Outreach on the provincial web portal",
        "Data from 15/12/2017 to 14/12/2018",
        "No.: ……/BC-STTTT",
        "PEOPLE'S COMMITTEE OF HA TINH PROVINCE",
        "DEPARTMENT OF INFORMATION AND COMMUNICATIONS",
        "On administrative reform communication and administrative modernisation in 2018",
    ):
        assert s in page, s
    # figures the English way, in sentences and tables alike; units of measure in English
    assert "12,000" in page and "2,213" in page and "85.93%" in page and "17,000" in page
    assert "2.213" not in page and "12.000" not in page and "85,93%" not in page
    assert ", as of 31/10/2018." in page
    assert "bulletins" in page and "bản tin" not in page
    assert "Tin, bài về CCHC" not in page  # indicator names of the appendix in English


def test_the_vietnamese_report_is_unchanged(client, leader):
    client.force_login(leader)
    page = text_of(client.get("/reports/annual/2018/"))
    assert "2.213" in page and "85,93%" in page and "Số: ……/BC-STTTT" in page and "bản tin" in page
    assert ", tính đến ngày 31/10/2018." in page


def test_the_english_docx_writes_english_numbers(db, tmp_path):
    province = OrgUnit.objects.get(code="HT")
    path = tmp_path / "en.docx"
    with translation.override("en"):
        path.write_bytes(render_docx.render(annual_report(org_unit=province, year=2018)))
    text = docx_text(path)
    assert "REPORT" in text and "SOCIALIST REPUBLIC OF VIET NAM" in text and "No.: ……/BC-STTTT" in text
    assert "2,213" in text and "2.213" not in text and "leaflets" in text


def test_the_english_dashboard_formats_figures_the_english_way(client, leader):
    client.force_login(leader)
    switch_to_english(client)
    r = client.get("/?year=2018")
    board = r.context["board"]
    tiles = {t.indicator.code: t.figure.display for t in board.tiles}
    assert tiles["level3_services_province_district"] == "2,213"
    assert tiles["online_dossiers"] == "1,131"
    page = text_of(r)
    assert "2,213" in page and "2.213" not in page
    assert "services" in page  # the tile's unit of measure
    assert board.charts_json()["indicator"]["unit"] == "articles"


def test_a_districts_english_dashboard(client, leader):
    client.force_login(leader)
    switch_to_english(client)
    r = client.get("/?unit=HT-443&year=2018")
    tiles = {t.indicator.code: t for t in r.context["board"].tiles}
    assert "tv_radio_bulletins" not in tiles
    assert tiles["online_service_trainees"].figure.display == "769"
    assert "people" in text_of(r)  # its unit of measure, in English


def test_machine_facing_figures_stay_vietnamese(db, reviewer):
    province = OrgUnit.objects.get(code="HT")
    with translation.override("en"):
        doc = report_document(org_unit=province, year=2018)
        assert doc["figures"]["level3_services_province_district"]["display"] == "2.213"
        # publishing in English freezes the Vietnamese text, and nothing reads as changed afterwards
        narrative_publish(org_unit=province, year=2018, by=reviewer)
        assert annual_report(org_unit=province, year=2018).changed_since_publication == []
    assert annual_report(org_unit=province, year=2018).changed_since_publication == []
