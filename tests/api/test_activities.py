"""activities/ over the API: the same visibility and the same all-or-nothing checks as the pages and the import."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from campaigns.models import Activity, Evidence
from tests.campaigns.helpers import PDF, log, training

URL = "/api/v1/activities/"


def rows():
    return [
        {"org_unit": "HT-443", "kind": "training_class", "date": "2019-01-10", "title": "Tập huấn DVC", "participants": 120},
        {
            "org_unit": "HT-443",
            "kind": "leaflet_run",
            "date": "2019-01-20",
            "title": "Tờ rơi",
            "quantity": 900,
            "topic": "online_services",
        },
    ]


def test_a_clerk_pushes_activities_and_reads_them_back(as_user, clerk_can_loc):
    r = as_user(clerk_can_loc).post(URL, rows(), format="json")
    assert r.status_code == 200 and r.json()["created"] == 2
    listed = as_user(clerk_can_loc).get(URL, {"org_unit": "HT-443", "year": 2019, "quarter": 1, "kind": "leaflet_run"}).json()
    assert [(a["title"], a["quantity"], a["quarter"]) for a in listed["results"]] == [("Tờ rơi", 900, 1)]


def test_one_bad_row_saves_nothing_and_every_problem_has_its_index(as_user, clerk_can_loc):
    bad = rows() + [{"org_unit": "HT-443", "kind": "leaflet_run", "date": "2019-13-01", "title": "", "colour": "red"}]
    r = as_user(clerk_can_loc).post(URL, bad, format="json")
    assert r.status_code == 400
    assert {(e["index"], e["field"]) for e in r.json()["errors"]} == {(2, "colour")}
    del bad[2]["colour"]
    r = as_user(clerk_can_loc).post(URL, bad, format="json")
    assert {(e["index"], e["field"]) for e in r.json()["errors"]} == {(2, "date"), (2, "title"), (2, "quantity")}
    assert not Activity.objects.filter(org_unit__code="HT-443", year=2019).exists()


@pytest.mark.parametrize(("who", "status"), [("leader", 403), ("clerk_stttt", 404)])  # another unit: 404, as values/
def test_readers_and_other_units_cannot_push(as_user, request, who, status):
    assert as_user(request.getfixturevalue(who)).post(URL, rows(), format="json").status_code == status
    assert not Activity.objects.filter(org_unit__code="HT-443", year=2019).exists()


def test_an_outsider_sees_no_activity(as_user, outsider):
    assert as_user(outsider).get(URL).json()["count"] == 0


def test_attachments_are_checked_and_listed(as_user, clerk_can_loc, outsider):
    [a] = log(training(), by=clerk_can_loc)
    client = as_user(clerk_can_loc)
    fake = SimpleUploadedFile("scan.pdf", b"GIF89a not a pdf", content_type="application/pdf")
    r = client.post(f"{URL}{a.pk}/attachments/", {"file": fake}, format="multipart")
    assert r.status_code == 400 and "không phải là tệp PDF" in r.json()["errors"][0]["message"]
    r = client.post(f"{URL}{a.pk}/attachments/", {"file": SimpleUploadedFile("scan.pdf", PDF)}, format="multipart")
    assert r.status_code == 201 and r.json()["download"].endswith(f"/evidence/{Evidence.objects.get(activity=a).pk}/")
    assert [e["name"] for e in client.get(f"{URL}{a.pk}/attachments/").json()] == ["scan.pdf"]
    assert as_user(outsider).get(f"{URL}{a.pk}/attachments/").status_code == 404


def test_the_list_is_a_fixed_number_of_queries(as_user, reviewer, django_assert_max_num_queries):
    client = as_user(reviewer)
    with django_assert_max_num_queries(10):
        r = client.get(URL, {"org_unit": "HT", "include_descendants": "true", "year": 2018, "page_size": 100})
    assert r.status_code == 200 and r.json()["count"] == 43


def test_the_campaign_filter_takes_a_campaign_id_and_refuses_anything_else(as_user, reviewer):
    client = as_user(reviewer)
    a = Activity.objects.filter(campaign__isnull=False).first()
    r = client.get(URL, {"campaign": a.campaign_id, "page_size": 100})
    assert r.status_code == 200
    assert {row["id"] for row in r.json()["results"]} == set(
        Activity.objects.filter(campaign_id=a.campaign_id).values_list("id", flat=True)
    )
    assert client.get(URL, {"campaign": 2**63 - 1}).json()["count"] == 0  # no such campaign: nothing, not an error
    for bad in ("1.5", "3.3673565058985277e+155", "0", "abc"):
        r = client.get(URL, {"campaign": bad})
        assert r.status_code == 400, bad
        assert r.json()["errors"][0]["field"] == "campaign"
