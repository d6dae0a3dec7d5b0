"""Aggregates and the annual report: the figures of indicators.aggregation, as export_report writes them."""

import io
import json

import pytest
from django.core.management import call_command

from indicators.aggregation import figure_for, report_document
from indicators.models import DataValue, Indicator
from organizations.models import OrgUnit


def test_the_annual_report_is_the_document_export_report_writes(as_user, leader):
    out = io.StringIO()
    call_command("export_report", "2018", "--unit", "HT", "--format", "json", stdout=out)
    r = as_user(leader).get("/api/v1/reports/annual/2018/?org_unit=HT")
    assert r.status_code == 200
    assert r.json() == json.loads(out.getvalue())
    assert (
        r.json()["figures"]["website_articles"]["display"]
        == report_document(org_unit=OrgUnit.objects.get(code="HT"), year=2018)["figures"]["website_articles"]["display"]
    )


def test_the_annual_report_defaults_to_the_users_highest_unit_and_takes_a_quarter(as_user, reviewer):
    r = as_user(reviewer).get("/api/v1/reports/annual/2018/?quarter=2")
    assert r.json()["org_unit"] == "HT" and r.json()["quarter"] == 2
    assert r.json() == report_document(org_unit=OrgUnit.objects.get(code="HT"), year=2018, quarter=2)


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("leader", 200),
        ("reviewer", 200),
        ("admin_user", 200),
        ("district_reviewer", 404),
        ("clerk_can_loc", 403),
        ("outsider", 403),
    ],
    indirect=["persona"],
)
def test_who_may_read_the_provinces_annual_report(as_user, persona, status):
    assert as_user(persona).get("/api/v1/reports/annual/2018/?org_unit=HT").status_code == status


def test_a_district_reviewer_reads_their_districts_report(as_user, district_reviewer):
    r = as_user(district_reviewer).get("/api/v1/reports/annual/2018/")
    assert r.json()["org_unit"] == "HT-444"


@pytest.mark.parametrize("url", ["/api/v1/reports/annual/1999/", "/api/v1/reports/annual/2018/?quarter=5"])
def test_bad_report_parameters_are_400(as_user, leader, url):
    r = as_user(leader).get(url)
    assert r.status_code == 400 and r.json()["errors"][0]["message"]


def test_aggregates_by_indicator_follow_the_rule(as_user, leader):
    r = as_user(leader).get(
        "/api/v1/aggregates/?indicator=website_articles,grassroots_stations_active&org_unit=HT&year=2018&quarter=3"
    )
    assert r.status_code == 200
    body = r.json()
    assert list(body["figures"]) == ["website_articles", "grassroots_stations_active"]
    ht = OrgUnit.objects.get(code="HT")
    for code in body["figures"]:
        expected = figure_for(indicator=Indicator.objects.get(code=code), org_unit=ht, year=2018, quarter=3).as_json()
        assert {k: body["figures"][code][k] for k in expected} == expected
        assert body["figures"][code]["coverage"]["reported"] == body["figures"][code]["coverage"]["expected"] > 0
    stations = body["figures"]["grassroots_stations_active"]
    assert stations["value"] is None and stations["display"] == f"{stations['numerator']}/{stations['denominator']}"


def test_aggregates_of_a_district_add_its_own_values(as_user, clerk_can_loc):
    r = as_user(clerk_can_loc).get("/api/v1/aggregates/?indicator=website_articles&year=2018")
    total = sum(
        DataValue.objects.filter(org_unit__code="HT-443", indicator__code="website_articles", year=2018).values_list(
            "value", flat=True
        )
    )
    assert r.json()["org_unit"] == "HT-443"
    assert r.json()["figures"]["website_articles"]["value"] == str(int(total))


def test_no_value_is_no_figure_not_zero(as_user, leader):
    r = as_user(leader).get("/api/v1/aggregates/?indicator=website_articles&org_unit=HT&year=2030")
    fig = r.json()["figures"]["website_articles"]
    assert {k: fig[k] for k in ("value", "numerator", "denominator", "display")} == {
        "value": None,
        "numerator": None,
        "denominator": None,
        "display": "—",
    }
    assert fig["coverage"]["reported"] == 0 and fig["coverage"]["expected"] > 0


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("leader", 200),
        ("reviewer", 200),
        ("clerk_can_loc", 404),
        ("clerk_stttt", 404),
        ("district_reviewer", 404),
        ("outsider", 404),
    ],
    indirect=["persona"],
)
def test_aggregates_of_a_unit_need_the_unit_visible(as_user, persona, status):
    assert as_user(persona).get("/api/v1/aggregates/?org_unit=HT&year=2018").status_code == status


@pytest.mark.parametrize(
    ("query", "field"),
    [("", "year"), ("year=2018&indicator=nope", "indicator"), ("year=2018&quarter=0", "quarter"), ("year=20180", "year")],
)
def test_bad_aggregate_queries_are_400(as_user, leader, query, field):
    r = as_user(leader).get(f"/api/v1/aggregates/?{query}")
    assert r.status_code == 400 and [e["field"] for e in r.json()["errors"]] == [field]


def test_etag_lets_a_client_skip_unchanged_figures_and_changes_with_the_data(as_user, leader, reviewer, clerk_can_loc):
    client = as_user(leader)
    url = "/api/v1/aggregates/?indicator=website_articles&org_unit=HT&year=2019&quarter=1"
    first = client.get(url)
    etag = first["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    as_user(clerk_can_loc).post(
        "/api/v1/values/",
        [{"org_unit": "HT-443", "indicator": "website_articles", "year": 2019, "quarter": 1, "value": 3}],
        format="json",
    )
    # A draft is not an official figure: the leader's figures have not changed.
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    sub = (
        as_user(clerk_can_loc)
        .post("/api/v1/submissions/submit/", {"org_unit": "HT-443", "year": 2019, "quarter": 1}, format="json")
        .json()
    )
    assert as_user(reviewer).post(f"/api/v1/submissions/{sub['id']}/approve/", {}, format="json").status_code == 200
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert changed.json()["figures"]["website_articles"]["value"] == "3"
    assert changed.json()["figures"]["website_articles"]["coverage"]["reported"] == 1


def _reads(ctx, table: str) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if f'FROM "{table}"' in q["sql"]]


def test_a_repeated_aggregates_request_reads_neither_the_unit_nor_the_catalogue_again(as_user, leader):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = as_user(leader)
    url = "/api/v1/aggregates/?indicator=website_articles,edoc_commune_rate&org_unit=HT&year=2018"
    first = client.get(url)
    assert first.status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        again = client.get(url)
    assert again.json() == first.json()
    assert not _reads(ctx, OrgUnit._meta.db_table) and not _reads(ctx, Indicator._meta.db_table)
    # The token with its user and memberships, and the data version, read once for the lookups and the figures.
    assert len(ctx.captured_queries) == 2, [q["sql"][:80] for q in ctx.captured_queries]


@pytest.mark.parametrize("persona", ["district_reviewer", "clerk_can_loc", "outsider"], indirect=True)
def test_a_unit_kept_from_one_callers_request_is_still_refused_to_another(as_user, leader, persona):
    url = "/api/v1/aggregates/?org_unit=HT&year=2018"
    assert as_user(leader).get(url).status_code == 200  # the province, now kept
    r = as_user(persona).get(url)
    assert r.status_code == 404 and "figures" not in r.json()


def test_a_new_code_for_a_unit_or_an_indicator_is_answered_at_once(as_user, leader):
    client = as_user(leader)
    assert client.get("/api/v1/aggregates/?indicator=website_articles&org_unit=HT-444&year=2018").status_code == 200
    Indicator.objects.filter(code="website_articles").update(code="web_articles")
    district = OrgUnit.objects.get(code="HT-444")
    district.code = "HT-4440"
    district.save()

    old = client.get("/api/v1/aggregates/?indicator=website_articles&org_unit=HT-4440&year=2018")
    assert old.status_code == 400 and old.json()["errors"][0]["field"] == "indicator"
    assert client.get("/api/v1/aggregates/?indicator=web_articles&org_unit=HT-444&year=2018").status_code == 404
    r = client.get("/api/v1/aggregates/?indicator=web_articles&org_unit=HT-4440&year=2018")
    assert r.status_code == 200 and list(r.json()["figures"]) == ["web_articles"] and r.json()["org_unit"] == "HT-4440"
