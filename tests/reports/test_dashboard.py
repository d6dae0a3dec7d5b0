"""The leadership dashboard: figures, year-over-year changes, completeness, drill-down, who may see what."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from indicators import figure_cache
from indicators.models import Channel, Submission, SubmissionStatus
from indicators.periods import Period
from indicators.services import ValueRow, values_save
from organizations.models import OrgUnit, UnitKind
from organizations.services import tree_rebuild_paths
from reports import dashboard as selectors

pytestmark = pytest.mark.django_db


def write(*cells):
    """(unit, indicator, year, quarter, value | (numerator, denominator))."""
    rows = []
    for unit, indicator, year, quarter, value in cells:
        n, d = value if isinstance(value, tuple) else (None, None)
        rows.append(
            ValueRow(
                org_unit=unit,
                indicator=indicator,
                year=year,
                quarter=quarter,
                value=None if isinstance(value, tuple) else value,
                numerator=n,
                denominator=d,
            )
        )
    values_save(rows=rows, by=None, channel=Channel.COMMAND, approve=True)


@pytest.fixture
def figures_2022():
    """Two districts' figures in 2022 (Q1–Q2) and the same period of 2021."""
    write(
        ("HT-443", "online_dossiers", 2022, 1, 10),
        ("HT-443", "online_dossiers", 2022, 2, 20),
        ("HT-444", "online_dossiers", 2022, 1, 5),
        ("HT-443", "online_dossiers", 2021, 1, 10),
        ("HT-443", "online_dossiers", 2021, 3, 99),  # after Q2: not in the same period
        ("HT-443", "edoc_exchange_rate", 2022, 1, 80),
        ("HT-443", "edoc_exchange_rate", 2022, 2, 90),
        ("HT-444", "edoc_exchange_rate", 2022, 2, 70),
        ("HT-443", "edoc_exchange_rate", 2021, 2, 75),
        ("HT-443", "commune_websites", 2022, 2, (8, 10)),
        ("HT-444", "commune_websites", 2022, 2, (5, 10)),
        # HT-444 reported both quarters of 2021 too (other figures), so the two years rest on the same units.
        ("HT-444", "legal_outreach_sessions", 2021, 1, 3),
        ("HT-444", "legal_outreach_sessions", 2021, 2, 4),
    )


def tiles(board):
    return {t.indicator.code: t for t in board.tiles}


# -- figures --------------------------------------------------------------------------------------
def test_tiles_show_the_year_to_date_and_the_change_against_the_same_period(province, figures_2022):
    board = selectors.dashboard(unit=province, year=2022, quarter=2)
    t = tiles(board)
    assert t["online_dossiers"].figure.display == "35"
    assert t["online_dossiers"].previous.display == "10"
    assert t["online_dossiers"].change.display == "+250%"
    # Rates: the latest quarter of each unit, averaged; the change in points.
    assert t["edoc_exchange_rate"].figure.display == "80%"
    assert t["edoc_exchange_rate"].change.display == "+5 điểm %"
    assert t["commune_websites"].figure.display == "13/20"
    assert t["commune_websites"].change.direction == "none"  # nothing in 2021 to compare with


def test_a_fall_is_shown_as_a_fall(province):
    write(("HT-443", "online_dossiers", 2022, 1, 30), ("HT-443", "online_dossiers", 2021, 1, 40))
    t = tiles(selectors.dashboard(unit=province, year=2022, quarter=1))["online_dossiers"]
    assert (t.change.direction, t.change.display) == ("down", "−25%")


def test_leader_sees_the_tiles_and_changes_on_the_page(client, leader, figures_2022):
    client.force_login(leader)
    html = client.get("/?year=2022&quarter=2").content.decode()
    assert "Năm 2022, lũy kế đến hết Quý II" in html
    assert ">35</a>" in html
    assert "+250%" in html
    assert "+5 điểm %" in html
    assert ">13/20</a>" in html


def test_leader_sees_the_2018_province_figures_and_campaign_progress(client, leader):
    client.force_login(leader)
    r = client.get("/?year=2018")
    html = r.content.decode()
    assert r.status_code == 200
    for figure in ("2.213", "1.131", "221/262", "84,35%", "99%", "480", "700", "11.000"):
        assert f">{figure}<" in html or f"= {figure}" in html, figure
    assert "Đạt 106,67% kế hoạch năm (450, 394/KH-UBND)" in html  # 480 bulletins of 450 planned


def test_ranking_orders_child_units_by_the_chosen_indicator(province, figures_2022):
    board = selectors.dashboard(unit=province, year=2022, quarter=2, chart_code="online_dossiers")
    ranked = [(p.unit.code, p.figure.display) for p in board.ranking if p.figure.number is not None]
    assert ranked == [("HT-443", "30"), ("HT-444", "5")]
    assert [p["code"] for p in board.charts_json()["ranking"]] == ["HT-443", "HT-444"]


def test_trend_gives_each_quarter_on_its_own(province, figures_2022):
    board = selectors.dashboard(unit=province, year=2022, quarter=2, chart_code="online_dossiers", trend_years=2)
    assert [(p.label, p.figure.display) for p in board.trend] == [
        ("Q1/2021", "10"),
        ("Q2/2021", "—"),
        ("Q3/2021", "99"),
        ("Q4/2021", "—"),
        ("Q1/2022", "15"),
        ("Q2/2022", "20"),
    ]


def test_composition_adds_outreach_items_per_channel(province):
    board = selectors.dashboard(unit=province, year=2018, quarter=4)
    totals = {s.group.code: s.total for s in board.composition}
    # press: 480 bulletins + 12 episodes + 700 + 550 + 400 articles; leaflets and trainees are not items.
    assert totals == {
        "press": Decimal(2142),
        "portal": Decimal(400),
        "agencies": Decimal(12030),
        "grassroots_radio": Decimal(2800),
    }


def test_heat_table_colours_a_unit_against_its_own_past(province, figures_2022):
    board = selectors.dashboard(unit=province, year=2022, quarter=2)
    row = next(r for r in board.heat_rows if r.unit.code == "HT-443")
    cells = {ind.code: (fig.display, change.direction, change.strong) for ind, fig, change in row.cells}
    assert cells["online_dossiers"] == ("30", "up", True)  # 10 → 30
    assert cells["edoc_exchange_rate"] == ("90%", "up", True)  # 75 → 90: 15 points
    # No child has website articles in 2022: no column of dashes for it.
    assert "website_articles" not in cells
    assert [i.code for i in board.heat_columns] == ["online_dossiers", "edoc_exchange_rate", "commune_websites"]
    # Only the children with a figure are rows.
    assert [r.unit.code for r in board.heat_rows] == ["HT-443", "HT-444"]


def test_the_2018_heat_table_has_columns_with_data_and_districts_as_rows(client, leader):
    client.force_login(leader)
    board = client.get("/?year=2018").context["board"]
    columns = [i.code for i in board.heat_columns]
    assert columns == [
        "commune_websites",
        "website_articles",
        "leaflets_issued",
        "legal_outreach_sessions",
        "online_service_trainees",
        "grassroots_radio_broadcasts",
    ]
    cells = [fig for r in board.heat_rows for _i, fig, _c in r.cells]
    assert sum(f.is_empty for f in cells) < len(cells) / 2  # mostly figures, not dashes
    rows = {r.unit.code for r in board.heat_rows}
    assert {"HT-443", "HT-SNV"} <= rows and "HT-DPTTH" not in rows  # the TV station has none of these


def test_a_districts_dashboard_has_no_province_only_tiles(client, leader):
    client.force_login(leader)
    r = client.get("/?unit=HT-443&year=2018")
    board = r.context["board"]
    codes = {t.indicator.code for t in board.tiles}
    assert codes.isdisjoint({"tv_radio_bulletins", "provincial_newspaper_articles", "level3_services_province_district"})
    assert {"online_dossiers", "grassroots_radio_broadcasts", "online_service_trainees"} <= codes
    assert {t.indicator.code: t.figure.display for t in board.tiles}["online_service_trainees"] == "769"
    assert all(i.is_reported_by("district") or i.is_reported_by("commune") for i in board.choosable)


def test_trend_starts_with_the_first_year_that_has_data(province):
    board = selectors.dashboard(unit=province, year=2018, quarter=4, chart_code="website_articles", trend_years=5)
    labels = [p.label for p in board.trend]
    assert labels[0] == "Q1/2018" and len(labels) == 4
    assert sum(int(p.figure.value) for p in board.trend) == 12000


def test_the_donut_legend_is_a_list_under_the_chart(client, leader):
    client.force_login(leader)
    html = client.get("/?year=2018").content.decode()
    assert '<ul class="chart-legend" id="legend-composition"' in html


def test_section_filter_keeps_only_that_sections_indicators(client, leader):
    client.force_login(leader)
    r = client.get("/?year=2018&section=A")
    board = r.context["board"]
    assert {t.indicator.section for t in board.tiles} == {"A"}
    assert {i.section for i in board.heat_columns} == {"A"}
    assert "2.213" not in r.content.decode()


# -- completeness ---------------------------------------------------------------------------------
def test_completeness_counts_on_time_late_and_missing(client, leader, province):
    due = Period(2022, 2).due_date
    on_time = timezone.make_aware(datetime.datetime.combine(due, datetime.time(9)))
    Submission.objects.create(
        org_unit=OrgUnit.objects.get(code="HT-443"), year=2022, quarter=2, status=SubmissionStatus.APPROVED, submitted_at=on_time
    )
    Submission.objects.create(
        org_unit=OrgUnit.objects.get(code="HT-444"),
        year=2022,
        quarter=2,
        status=SubmissionStatus.SUBMITTED,
        submitted_at=on_time + datetime.timedelta(days=3),
    )
    Submission.objects.create(org_unit=OrgUnit.objects.get(code="HT-445"), year=2022, quarter=2, status=SubmissionStatus.DRAFT)

    board = selectors.dashboard(unit=province, year=2022, quarter=2)
    done = board.completeness
    expected = done.expected
    assert expected == 37  # its departments, agencies, press and districts open in Q2/2022; not the province itself
    assert "HT" not in {s.unit.code for s in done.units}
    assert (len(done.reported), len(done.on_time), len(done.late), len(done.missing)) == (2, 1, 1, expected - 2)
    missing = {s.unit.code for s in done.missing}
    assert "HT-445" in missing and "HT-443" not in missing and "HT-444" not in missing

    client.force_login(leader)
    html = client.get("/?year=2022&quarter=2").content.decode()
    assert f"2/{expected} đơn vị đã gửi" in html
    missing_html = html.split("Đơn vị chưa gửi báo cáo")[1].split('class="table-limit"')[0]
    assert "Huyện Thạch Hà" in missing_html and "Huyện Can Lộc" not in missing_html
    # grouped: departments, press, localities, each with its count
    groups = [(str(label), [s.unit.code for s in statuses]) for label, statuses in board.missing_by_group]
    assert [g[0] for g in groups] == ["Sở, ban, ngành", "Cơ quan báo chí", "Địa phương"]
    assert sorted(groups[1][1]) == ["HT-BAO", "HT-DPTTH"]
    assert "HT-445" in groups[2][1] and "HT-SNV" in groups[0][1]
    assert "Cơ quan báo chí (2)" in missing_html
    assert missing_html.index("Sở, ban, ngành") < missing_html.index("Cơ quan báo chí") < missing_html.index("Địa phương")


def test_a_report_sent_in_the_last_minute_of_the_due_date_local_time_is_on_time(province):
    """The due date is a Vietnamese calendar day: 23:59 on it is on time, 00:00 the next day is late."""
    due = Period(2022, 2).due_date
    midnight = timezone.make_aware(datetime.datetime.combine(due + datetime.timedelta(days=1), datetime.time()))
    for code, at in (("HT-443", midnight - datetime.timedelta(minutes=1)), ("HT-444", midnight)):
        Submission.objects.create(
            org_unit=OrgUnit.objects.get(code=code), year=2022, quarter=2, status=SubmissionStatus.SUBMITTED, submitted_at=at
        )
    assert str(timezone.get_current_timezone()) == "Asia/Ho_Chi_Minh" and midnight.utcoffset() == datetime.timedelta(hours=7)
    done = selectors.dashboard(unit=province, year=2022, quarter=2).completeness
    assert [s.unit.code for s in done.on_time] == ["HT-443"] and [s.unit.code for s in done.late] == ["HT-444"]


def test_completeness_by_child_counts_each_childs_subtree(province):
    commune = OrgUnit.objects.create(
        code="HT-443-X1", name_vi="Xã thử", kind=UnitKind.COMMUNE, parent=OrgUnit.objects.get(code="HT-443"), path=""
    )
    tree_rebuild_paths()
    Submission.objects.create(
        org_unit=commune, year=2022, quarter=1, status=SubmissionStatus.SUBMITTED, submitted_at=timezone.now()
    )
    rows = {r.unit.code: r for r in selectors.dashboard(unit=province, year=2022, quarter=1).by_child}
    assert (rows["HT-443"].reported, rows["HT-443"].expected) == (1, 2)  # the district and its commune
    assert rows["HT-443"].rate_display == "50%"
    assert (rows["HT-444"].reported, rows["HT-444"].expected) == (0, 1)


# -- drill-down -----------------------------------------------------------------------------------
def test_figure_drill_down_lists_the_units_and_quarters_behind_it(client, leader, figures_2022):
    client.force_login(leader)
    r = client.get("/dashboard/figure/online_dossiers/?unit=HT&year=2022&quarter=2")
    assert r.status_code == 200
    src = r.context["src"]
    assert src.figure.display == "35"
    assert [(row.unit.code, row.cells, row.figure.display) for row in src.rows] == [
        ("HT-443", [(1, "10"), (2, "20")], "30"),
        ("HT-444", [(1, "5"), (2, "—")], "5"),
    ]
    assert "Huyện Can Lộc" in r.content.decode()


def test_a_unit_that_reports_for_its_subtree_is_the_only_source(client, leader):
    client.force_login(leader)
    src = client.get("/dashboard/figure/online_dossiers/?unit=HT&year=2018").context["src"]
    assert [row.unit.code for row in src.rows] == ["HT"]
    assert src.figure.display == "1.131"


def test_clicking_a_unit_opens_its_own_dashboard(client, leader, figures_2022):
    client.force_login(leader)
    r = client.get("/?unit=HT-443&year=2022&quarter=2")
    assert r.status_code == 200
    assert r.context["unit"].code == "HT-443"
    assert tiles(r.context["board"])["online_dossiers"].figure.display == "30"
    assert [a.code for a in r.context["ancestors"]] == ["HT"]


# -- who may see what -----------------------------------------------------------------------------
def test_clerk_lands_on_data_entry_not_the_dashboard(client, clerk_can_loc):
    client.force_login(clerk_can_loc)
    r = client.get("/")
    assert r.status_code == 302 and r.url == "/entry/"


def test_clerk_cannot_view_another_units_dashboard(client, clerk_can_loc):
    client.force_login(clerk_can_loc)
    assert client.get("/?unit=HT-444&year=2018").status_code == 404
    assert client.get("/dashboard/figure/online_dossiers/?unit=HT-444&year=2018").status_code == 404
    # Their own unit: readable, but the dashboards are for leaders and reviewers.
    assert client.get("/dashboard/figure/online_dossiers/?unit=HT-443&year=2018").status_code == 403


@pytest.mark.parametrize("url", ["/?unit=HT", "/dashboard/figure/online_dossiers/?unit=HT&year=2018"])
def test_outsider_gets_404(client, outsider, url):
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_anonymous_is_sent_to_login(client):
    r = client.get("/?year=2018")
    assert r.status_code == 302 and "/accounts/login/" in r.url


def test_district_reviewer_sees_their_district_only(client, district_reviewer):
    client.force_login(district_reviewer)
    r = client.get("/?year=2018")
    assert r.status_code == 200 and r.context["unit"].code == "HT-444"
    assert client.get("/?unit=HT&year=2018").status_code == 404
    assert client.get("/?unit=HT-443&year=2018").status_code == 404
    assert client.get("/dashboard/figure/commune_websites/?unit=HT&year=2018").status_code == 404


@pytest.mark.parametrize("persona", ["leader", "reviewer", "admin_user"])
def test_readers_get_the_dashboard(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    r = client.get("/?year=2018")
    assert r.status_code == 200
    assert "221/262" in r.content.decode()


def test_unknown_unit_is_404(client, leader):
    client.force_login(leader)
    assert client.get("/?unit=NOPE").status_code == 404
    assert client.get("/dashboard/figure/no-such-indicator/?unit=HT").status_code == 404


# -- bad input ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "query, message",
    [
        ("year=abc", "Năm phải là một số nguyên, ví dụ 2018."),
        ("year=1800", "Năm phải từ 2000 trở đi."),
        ("quarter=7", "Quý phải là 1, 2, 3 hoặc 4."),
        ("section=C", "Phần chỉ có thể là A hoặc B."),
        ("years=99", "Số năm phải từ 1 đến 10."),
    ],
)
def test_bad_filters_fall_back_to_defaults_with_a_vietnamese_message(client, leader, query, message):
    client.force_login(leader)
    r = client.get(f"/?{query}")
    assert r.status_code == 200
    assert message in r.content.decode()
    assert r.context["board"].year == 2026  # the latest year with data (the demo runs to Q3/2026)


def test_an_unknown_chart_indicator_falls_back_to_the_default(client, leader):
    client.force_login(leader)
    r = client.get("/?year=2018&indicator=nope")
    assert r.status_code == 200
    assert r.context["board"].chart_indicator.code == selectors.DEFAULT_CHART[None]


def test_a_year_without_data_shows_dashes_not_zeros(client, leader):
    client.force_login(leader)
    r = client.get("/?year=2031")
    assert r.status_code == 200
    assert {t.figure.display for t in r.context["board"].tiles} == {"—"}


# -- cost -----------------------------------------------------------------------------------------
def test_dashboard_query_count_is_bounded(client, leader, django_assert_max_num_queries):
    client.force_login(leader)
    client.get("/?year=2018")  # session and membership caches warm
    with django_assert_max_num_queries(45):
        assert client.get("/?year=2018").status_code == 200


def test_query_count_does_not_grow_with_the_number_of_units(client, leader):
    client.force_login(leader)

    def count():
        figure_cache.clear()  # both counts fold from the values (a kept roll-up would cost no query)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/?year=2018&indicator=website_articles").status_code == 200
        return len(ctx)

    before = count()
    for d in OrgUnit.objects.filter(kind=UnitKind.DISTRICT):
        OrgUnit.objects.bulk_create(
            [OrgUnit(code=f"{d.code}-X{i}", name_vi=f"Xã {i}", kind=UnitKind.COMMUNE, parent=d, path="") for i in range(10)]
        )
    tree_rebuild_paths()
    write(*[(f"HT-443-X{i}", "grassroots_radio_broadcasts", 2018, 1, i) for i in range(10)])
    # Not more; two fewer, as the second count skips the data version reads (the test's own writes are in flight).
    assert count() <= before


def test_figure_drill_down_query_count_is_bounded(client, leader, django_assert_max_num_queries):
    client.force_login(leader)
    client.get("/dashboard/figure/website_articles/?unit=HT&year=2018")
    with django_assert_max_num_queries(13):  # the rule's queries include the submissions' statuses (the layer)
        r = client.get("/dashboard/figure/website_articles/?unit=HT&year=2018")
    assert len(r.context["src"].rows) == 34
