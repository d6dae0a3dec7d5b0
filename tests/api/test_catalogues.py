"""Indicators, units and campaigns: what each role may list."""

import pytest

from campaigns.models import Campaign
from indicators.models import Indicator
from organizations.models import OrgUnit


def codes(r):
    assert r.status_code == 200, r.content
    return [x["code"] for x in r.json()["results"]]


@pytest.mark.parametrize("persona", ["clerk_can_loc", "leader", "reviewer", "outsider", "admin_user"], indirect=True)
def test_every_logged_in_user_reads_the_indicator_catalogue_in_report_order(as_user, persona):
    got = codes(as_user(persona).get("/api/v1/indicators/?page_size=1000"))
    assert got == list(Indicator.objects.in_report_order().values_list("code", flat=True))


def test_indicator_detail_and_filters(as_user, leader):
    client = as_user(leader)
    r = client.get("/api/v1/indicators/grassroots_stations_active/")
    assert (
        r.json()["value_type"] == "ratio"
        and r.json()["reported_by"] == ["district", "commune"]
        and r.json()["group"] == "grassroots_radio"
    )
    assert set(codes(client.get("/api/v1/indicators/?section=B&page_size=1000"))) == set(
        Indicator.objects.filter(section="B").values_list("code", flat=True)
    )
    assert "grassroots_stations_active" in codes(client.get("/api/v1/indicators/?reported_by=commune&page_size=1000"))
    assert "ecommerce_booths" not in codes(client.get("/api/v1/indicators/?reported_by=commune&page_size=1000"))
    assert client.get("/api/v1/indicators/nope/").status_code == 404
    assert client.get("/api/v1/indicators/?value_type=float").status_code == 400


def test_english_names_when_asked(as_user, leader):
    r = as_user(leader, language="en").get("/api/v1/indicators/website_articles/")
    assert r.json()["name"] == Indicator.objects.get(code="website_articles").name_en


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("clerk_can_loc", lambda: ["HT-443"]),
        (
            "district_reviewer",
            lambda: list(OrgUnit.objects.filter(path__startswith="/HT/HT-444/").values_list("code", flat=True)),
        ),
        ("leader", lambda: list(OrgUnit.objects.filter(path__startswith="/HT/").values_list("code", flat=True))),
        ("admin_user", lambda: list(OrgUnit.objects.values_list("code", flat=True))),
        ("outsider", lambda: []),
    ],
    indirect=["persona"],
)
def test_each_role_lists_the_units_it_may_read(as_user, persona, expected):
    assert codes(as_user(persona).get("/api/v1/org-units/?page_size=1000")) == expected()


def test_a_unit_carries_its_tree_path(as_user, leader):
    r = as_user(leader).get("/api/v1/org-units/HT-443/")
    assert (r.json()["parent"], r.json()["ancestors"], r.json()["path"], r.json()["kind"]) == (
        "HT",
        ["HT", "HT-443"],
        "/HT/HT-443/",
        "district",
    )
    assert as_user(leader).get("/api/v1/org-units/HT/").json()["parent"] is None


def test_unit_filters(as_user, leader):
    client = as_user(leader)
    districts = codes(client.get("/api/v1/org-units/?kind=district&page_size=1000"))
    assert districts and set(districts) == set(OrgUnit.objects.filter(kind="district").values_list("code", flat=True))
    children = codes(client.get("/api/v1/org-units/?parent=HT&page_size=1000"))
    assert set(children) == set(OrgUnit.objects.filter(parent__code="HT").values_list("code", flat=True))
    OrgUnit.objects.filter(code="HT-444").update(valid_to="2025-06-30")
    assert "HT-444" in codes(client.get("/api/v1/org-units/?active_on=2025-06-30&page_size=1000"))
    assert "HT-444" not in codes(client.get("/api/v1/org-units/?active_on=2025-07-01&page_size=1000"))
    assert client.get("/api/v1/org-units/?active_on=2025-13-01").status_code == 400
    assert client.get("/api/v1/org-units/?kind=planet").status_code == 400


@pytest.mark.parametrize(
    ("persona", "status"),
    [("clerk_can_loc", 200), ("leader", 200), ("clerk_stttt", 404), ("outsider", 404)],
    indirect=["persona"],
)
def test_a_foreign_unit_is_a_404(as_user, persona, status):
    assert as_user(persona).get("/api/v1/org-units/HT-443/").status_code == status


@pytest.mark.parametrize(
    ("persona", "sees"),
    [("leader", True), ("reviewer", True), ("clerk_can_loc", False), ("outsider", False)],
    indirect=["persona"],
)
def test_campaigns_of_units_the_user_reads(as_user, persona, sees):
    r = as_user(persona).get("/api/v1/campaigns/?year=2018")
    numbers = [c["number"] for c in r.json()["results"]]
    assert numbers == (list(Campaign.objects.filter(year=2018).values_list("number", flat=True)) if sees else [])
    if sees:
        c = r.json()["results"][0]
        assert c["scope_unit"] == "HT" and c["targets"] and {"indicator", "value"} <= set(c["targets"][0])
