"""What schemathesis found the server accepting beyond its schema (issue 12, item 7): each is now refused."""

import pytest

from indicators.models import Submission


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/indicators/?page_size=null",
        "/api/v1/org-units/?page_size=0",
        "/api/v1/values/?page_size=abc",
        "/api/v1/submissions/?page_size=-1",
    ],
)
def test_a_bad_page_size_is_a_400_not_ignored(as_user, reviewer, url):
    r = as_user(reviewer).get(url)
    assert r.status_code == 400
    assert [e["field"] for e in r.json()["errors"]] == ["page_size"]


@pytest.mark.parametrize("url", ["/api/v1/campaigns/?year=0", "/api/v1/submissions/?year=2101", "/api/v1/reports/annual/1999/"])
def test_years_outside_the_documented_range_are_a_400(as_user, reviewer, url):
    assert as_user(reviewer).get(url).status_code == 400


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"org_unit": "HT-443", "year": 2019, "quarter": 1, "comment": 0}, "comment"),
        ({"org_unit": "HT-443", "year": "2019", "quarter": 1}, "year"),
        ({"org_unit": 443, "year": 2019, "quarter": 1}, "org_unit"),
        ({"org_unit": "HT-443", "year": 2019, "quarter": 1, "urgent": True}, "urgent"),
    ],
)
def test_submit_refuses_what_its_schema_does_not_allow(as_user, clerk_can_loc, body, field):
    r = as_user(clerk_can_loc).post("/api/v1/submissions/submit/", body, format="json")
    assert r.status_code == 400
    assert [e["field"] for e in r.json()["errors"]] == [field]
    assert not Submission.objects.filter(year=2019).exists()


def test_aggregates_take_several_indicators_repeated_or_comma_separated(as_user, reviewer):
    client = as_user(reviewer)
    repeated = client.get("/api/v1/aggregates/?year=2018&org_unit=HT&indicator=website_articles&indicator=portal_articles")
    comma = client.get("/api/v1/aggregates/?year=2018&org_unit=HT&indicator=website_articles,portal_articles")
    assert repeated.status_code == comma.status_code == 200
    assert set(repeated.json()["figures"]) == {"website_articles", "portal_articles"}
    assert repeated.json()["figures"] == comma.json()["figures"]
