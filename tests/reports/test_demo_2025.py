"""The demo's Ha Tinh as it is today: the 2025 structure beside 2018, and values 2024 – Q3/2026 that respect it."""

import datetime
from collections import defaultdict

from indicators.models import DataValue, Submission, SubmissionEvent, SubmissionStatus
from organizations.models import OrgUnit, UnitKind
from organizations.succession import lineage, split_sources
from reports.annual import THREE_LEVELS, TWO_LEVELS, annual_report, report_structure
from tests.api.conftest import token_client

JULY_2025 = datetime.date(2025, 7, 1)


def unit(code):
    return OrgUnit.objects.get(code=code)


def codes(units):
    return {u.code for u in units}


# -- the structure ---------------------------------------------------------------------------------


def test_merged_departments_have_their_predecessors(db):
    assert codes(unit("HT-SKHCN").predecessors.all()) == {"HT-STTTT"}
    assert codes(unit("HT-STC").predecessors.all()) == {"HT-SKHDT"}
    assert codes(unit("HT-SXD").predecessors.all()) == {"HT-SGTVT"}
    assert codes(unit("HT-SNV").predecessors.all()) == {"HT-SLDTBXH"}
    new = unit("HT-SNNMT")
    assert (new.name_vi, new.valid_from, new.valid_to) == ("Sở Nông nghiệp và Môi trường", datetime.date(2025, 3, 1), None)
    assert codes(new.predecessors.all()) == {"HT-STNMT", "HT-SNNPTNT"}
    assert codes(lineage(new, datetime.date(2025, 3, 31))) == {"HT-STNMT", "HT-SNNPTNT"}


def test_communes_209_into_69_from_1_july_2025(db):
    new = OrgUnit.objects.filter(kind=UnitKind.COMMUNE, valid_from=JULY_2025)
    old = OrgUnit.objects.filter(kind=UnitKind.COMMUNE, valid_to=datetime.date(2025, 6, 30))
    assert new.count() == 69 and old.count() == 209
    assert set(new.values_list("parent__code", flat=True)) == {"HT"}  # directly under the province
    assert not new.filter(predecessors__isnull=True).exists()
    # Every old commune passed to at least one new one; nothing else did.
    assert set(OrgUnit.objects.filter(successors__in=new).values_list("code", flat=True)) == set(
        old.values_list("code", flat=True)
    )
    assert not OrgUnit.objects.filter(kind=UnitKind.DISTRICT).exclude(valid_to__lte=datetime.date(2025, 6, 30)).exists()


def test_loc_ha_joined_thach_ha_on_1_january_2025(db):
    assert unit("HT-448").valid_to == datetime.date(2024, 12, 31)
    assert codes(unit("HT-445").predecessors.all()) == {"HT-448"}


def test_a_commune_divided_among_several_is_named_as_a_split(db):
    on = datetime.date(2025, 12, 31)
    assert codes(unit("HT-449-ky-loi").successors.all()) == {"HT-18823", "HT-18754", "HT-18832"}
    assert codes(split_sources(unit("HT-18832"), on)) == {"HT-449-ky-loi"}
    assert split_sources(unit("HT-18196"), on) == set()  # Son Kim 1, not rearranged


# -- the values ------------------------------------------------------------------------------------


def test_no_unit_holds_a_value_for_a_quarter_it_was_not_open(db):
    from indicators.periods import Period

    units = {u.pk: u for u in OrgUnit.objects.all()}
    cells = DataValue.objects.filter(year__in=(2024, 2025, 2026)).values_list("org_unit_id", "year", "quarter").distinct()
    wrong = [
        (units[u].code, y, q)
        for u, y, q in cells
        if not units[u].is_open_between(Period(y, q).calendar_start, Period(y, q).calendar_end)
    ]
    assert wrong == []
    assert cells.count() > 1500


def test_every_demo_quarter_is_approved_with_its_steps_dated_on_time(db):
    cells = set(DataValue.objects.filter(year__in=(2024, 2025, 2026)).values_list("org_unit_id", "year", "quarter"))
    subs = Submission.objects.filter(year__in=(2024, 2025, 2026))
    assert set(subs.values_list("org_unit_id", "year", "quarter")) == cells
    assert not subs.exclude(status=SubmissionStatus.APPROVED).exists()
    sub = subs.get(org_unit__code="HT-SNNMT", year=2025, quarter=2)
    steps = list(SubmissionEvent.objects.filter(submission=sub).values_list("action", "at", "by__username"))
    assert [(a, who) for a, _at, who in steps] == [("submit", "admin"), ("approve", "reviewer")]
    assert steps[0][1] == sub.submitted_at and steps[0][1].date() <= sub.period.due_date
    assert not Submission.objects.filter(year=2026, quarter=4).exists()  # the current quarter is still open


def _stations(year, quarter):
    per_kind = defaultdict(lambda: [0, 0])
    for kind, num, den in DataValue.objects.filter(
        indicator__code="grassroots_stations_active", year=year, quarter=quarter
    ).values_list("org_unit__valid_from", "numerator", "denominator"):
        key = "new" if kind == JULY_2025 else "old"
        per_kind[key][0] += num
        per_kind[key][1] += den
    return dict(per_kind)


def test_closed_communes_hold_their_stations_until_they_close_and_the_new_ones_after(db):
    # 209 stations, one per old commune, until Q2/2025; the same 209 under the 69 new communes from Q3.
    assert _stations(2025, 2)["old"][1] == 209 and "new" not in _stations(2025, 2)
    assert _stations(2025, 3)["new"][1] == 209 and "old" not in _stations(2025, 3)
    assert _stations(2026, 3)["new"][1] == 209
    assert not DataValue.objects.filter(
        org_unit__kind=UnitKind.DISTRICT, indicator__code="grassroots_stations_active", year=2025
    ).exists()


def test_merged_departments_report_until_they_close_and_their_successors_after(db):
    def rates(year, quarter):
        return dict(
            DataValue.objects.filter(indicator__code="edoc_exchange_rate", year=year, quarter=quarter).values_list(
                "org_unit__code", "value"
            )
        )

    q1, q2 = rates(2025, 1), rates(2025, 2)
    assert "HT-STTTT" in q1 and "HT-STTTT" not in q2  # closed 28/02: its last quarter is Q1
    assert "HT-SNNMT" in q1 and "HT-SNNMT" in q2  # open from 01/03
    assert "HT" not in q2  # the province's figure comes from its units

    # Flows of a mid-quarter change: two months by the old departments, one by the new; from Q2 the new one alone.
    def leaflets(year, quarter):
        return dict(
            DataValue.objects.filter(indicator__code="leaflets_issued", org_unit__code__in=["HT-STNMT", "HT-SNNPTNT", "HT-SNNMT"])
            .filter(year=year, quarter=quarter)
            .values_list("org_unit__code", "value")
        )

    q1, q2 = leaflets(2025, 1), leaflets(2025, 2)
    assert set(q1) == {"HT-STNMT", "HT-SNNPTNT", "HT-SNNMT"} and set(q2) == {"HT-SNNMT"}
    assert q1["HT-SNNMT"] < q1["HT-STNMT"] + q1["HT-SNNPTNT"]
    assert abs(sum(q1.values()) - q2["HT-SNNMT"]) < q2["HT-SNNMT"] / 10  # a whole quarter either way


def test_outreach_flows_go_on_through_the_new_communes(db):
    """Communes report the districts' flows after 1/7/2025 (the demo's catalogue_2025.csv): no cliff in the province."""
    from indicators.aggregation import figures_for
    from indicators.models import Indicator

    assert Indicator.objects.get(code="website_articles").is_reported_by("commune")
    ht = unit("HT")
    for code in ("website_articles", "leaflets_issued", "online_service_trainees"):
        before = figures_for(org_unit=ht, year=2024, quarter=3)[code].value
        after = figures_for(org_unit=ht, year=2026, quarter=3)[code].value
        assert abs(after - before) < before / 10, (code, before, after)
    q4 = DataValue.objects.filter(indicator__code="website_articles", year=2025, quarter=4)
    assert q4.filter(org_unit__kind=UnitKind.COMMUNE).count() == 69
    assert not q4.filter(org_unit__kind=UnitKind.DISTRICT).exists()


# -- wording and pages -----------------------------------------------------------------------------


def test_the_structure_of_a_period_is_read_from_the_units(db):
    ht = unit("HT")
    assert report_structure(ht, datetime.date(2025, 6, 30)) == THREE_LEVELS
    assert report_structure(ht, JULY_2025) == TWO_LEVELS
    assert report_structure(unit("HT-SKHCN"), datetime.date(2018, 12, 31)) == THREE_LEVELS  # the whole tree counts


def _sentences(report) -> str:
    return "\n".join(s for part in report.parts for g in part.groups for s in g.sentences)


def test_the_2026_report_speaks_of_a_two_level_province(db):
    text = _sentences(annual_report(org_unit=unit("HT"), year=2026, quarter=3))
    assert "Hệ thống một cửa điện tử đã triển khai hiệu quả tại 69 UBND cấp xã." in text
    assert "100% các sở, ban, ngành và 69/69 UBND cấp xã có Cổng/trang thông tin điện tử." in text
    assert "huyện" not in text


def test_a_report_before_july_2025_keeps_the_district_level(db):
    text = _sentences(annual_report(org_unit=unit("HT"), year=2025, quarter=2))
    assert "UBND huyện, thành phố, thị xã." in text
    assert "cấp tỉnh, cấp huyện" in text


def test_the_2026_dashboard_opens_on_the_latest_demo_quarter(client, leader):
    client.force_login(leader)
    r = client.get("/")
    assert r.status_code == 200
    assert (r.context["board"].year, r.context["board"].quarter) == (2026, 3)


def test_a_merged_departments_dashboard_says_what_it_was_formed_from(client, leader):
    client.force_login(leader)
    html = client.get("/?unit=HT-SNNMT&year=2025").content.decode()
    assert "Thành lập từ" in html
    assert "Sở Tài nguyên và Môi trường (HT-STNMT)" in html and "Sở Nông nghiệp và Phát triển nông thôn (HT-SNNPTNT)" in html
    assert "từ ngày 01/03/2025" in html


def test_a_closed_departments_form_says_where_it_went(client, clerk_stttt):
    client.force_login(clerk_stttt)
    html = client.get("/entry/HT-STTTT/2025/1/").content.decode()
    assert "Đã sáp nhập vào" in html and "Sở Khoa học và Công nghệ (HT-SKHCN)" in html and "từ ngày 01/03/2025" in html


def test_a_split_says_there_is_no_like_for_like_comparison(client, leader):
    client.force_login(leader)
    html = client.get("/?unit=HT-18832&year=2025").content.decode()
    assert "không có số liệu so sánh tương đương" in html
    html = client.get("/?unit=HT-18196&year=2025").content.decode()  # Son Kim 1: the same commune continues
    assert "Thành lập từ" in html and "không có số liệu so sánh tương đương" not in html


def test_api_gives_predecessors_and_successors_as_codes(reviewer, clerk_stttt, django_assert_max_num_queries):
    api = token_client(reviewer)
    body = api.get("/api/v1/org-units/HT-SNNMT/").json()
    assert sorted(body["predecessors"]) == ["HT-SNNPTNT", "HT-STNMT"] and body["successors"] == []
    assert api.get("/api/v1/org-units/HT-STTTT/").json()["successors"] == ["HT-SKHCN"]
    with django_assert_max_num_queries(8):
        r = api.get("/api/v1/org-units/?page_size=500")
    assert r.status_code == 200
    by_code = {u["code"]: u for u in r.json()["results"]}
    assert sorted(by_code["HT-18832"]["predecessors"]) == ["HT-449-ky-lien", "HT-449-ky-loi", "HT-449-ky-nam", "HT-449-ky-phuong"]
    # A clerk sees only its own unit, with its succession.
    mine = token_client(clerk_stttt).get("/api/v1/org-units/").json()["results"]
    assert [(u["code"], u["successors"]) for u in mine] == [("HT-STTTT", ["HT-SKHCN"])]
