"""The workflow over the API: the same rules as the browser (indicators.workflow + organizations.access)."""

import pytest

from indicators.models import Channel, Submission, SubmissionEvent, SubmissionStatus
from organizations.models import OrgUnit

S = SubmissionStatus


def sub(code, year=2018, quarter=1):
    return Submission.objects.get(org_unit__code=code, year=year, quarter=quarter)


def submitted(code="HT-443", year=2019, quarter=1):
    return Submission.objects.create(org_unit=OrgUnit.objects.get(code=code), year=year, quarter=quarter, status=S.SUBMITTED)


@pytest.mark.parametrize(
    ("persona", "units"),
    [
        ("clerk_can_loc", {"HT-443"}),
        ("clerk_stttt", {"HT-STTTT"}),
        ("district_reviewer", {"HT-444"}),
        ("reviewer", "all"),
        ("leader", "all"),
        ("admin_user", "all"),
        ("outsider", set()),
    ],
    indirect=["persona"],
)
def test_each_role_lists_the_submissions_of_units_it_may_read(as_user, persona, units):
    r = as_user(persona).get("/api/v1/submissions/?year=2018&page_size=1000")
    assert r.status_code == 200
    seen = {s["org_unit"] for s in r.json()["results"]}
    expected = set(Submission.objects.filter(year=2018).values_list("org_unit__code", flat=True)) if units == "all" else units
    assert seen == expected


def test_filters_and_fields(as_user, reviewer):
    r = as_user(reviewer).get("/api/v1/submissions/?org_unit=HT-443&year=2018&quarter=2&status=approved")
    [only] = r.json()["results"]
    assert (only["org_unit"], only["year"], only["quarter"], only["status"], only["is_locked"], only["reviewed_by"]) == (
        "HT-443",
        2018,
        2,
        "approved",
        True,
        "reviewer",
    )
    assert as_user(reviewer).get("/api/v1/submissions/?status=lost").status_code == 400


def test_a_clerk_submits_their_quarter(as_user, clerk_can_loc):
    r = as_user(clerk_can_loc).post(
        "/api/v1/submissions/submit/", {"org_unit": "HT-443", "year": 2019, "quarter": 1, "comment": "Đủ số liệu"}, format="json"
    )
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "submitted" and r.json()["submitted_by"] == "canloc"
    event = SubmissionEvent.objects.get(submission=sub("HT-443", 2019, 1))
    assert (event.action, event.channel, event.comment) == ("submit", Channel.API, "Đủ số liệu")


@pytest.mark.parametrize(
    ("persona", "status"),
    [("clerk_stttt", 404), ("leader", 403), ("reviewer", 403), ("outsider", 404), ("district_reviewer", 404)],
    indirect=["persona"],
)
def test_only_the_units_clerk_may_submit(as_user, persona, status):
    r = as_user(persona).post("/api/v1/submissions/submit/", {"org_unit": "HT-443", "year": 2019, "quarter": 1}, format="json")
    assert r.status_code == status
    assert not Submission.objects.filter(org_unit__code="HT-443", year=2019).exclude(status=S.DRAFT).exists()


def test_submitting_twice_is_a_409_with_the_reason(as_user, clerk_can_loc):
    client = as_user(clerk_can_loc)
    body = {"org_unit": "HT-443", "year": 2019, "quarter": 1}
    client.post("/api/v1/submissions/submit/", body, format="json")
    r = client.post("/api/v1/submissions/submit/", body, format="json")
    assert r.status_code == 409
    assert r.json()["detail"] == "Không thể «gửi duyệt» báo cáo đang ở trạng thái «Đã gửi duyệt»."


@pytest.mark.parametrize(
    "body", [{}, {"org_unit": "HT-443", "year": 2019, "quarter": 7}, {"org_unit": "HT-443", "year": "x", "quarter": 1}]
)
def test_a_bad_submit_body_is_a_400(as_user, clerk_can_loc, body):
    r = as_user(clerk_can_loc).post("/api/v1/submissions/submit/", body, format="json")
    assert r.status_code == 400 and r.json()["errors"]


def test_a_reviewer_approves_returns_and_reopens(as_user, reviewer):
    client = as_user(reviewer)
    s = submitted()
    r = client.post(f"/api/v1/submissions/{s.pk}/return/", {"comment": "Thiếu số liệu xã"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "returned" and r.json()["comment"] == "Thiếu số liệu xã"
    Submission.objects.filter(pk=s.pk).update(status=S.SUBMITTED)
    assert client.post(f"/api/v1/submissions/{s.pk}/approve/", {}, format="json").json()["status"] == "approved"
    assert sub("HT-443", 2019, 1).is_locked
    r = client.post(f"/api/v1/submissions/{s.pk}/reopen/", {"comment": "Sửa số liệu"}, format="json")
    assert r.json()["status"] == "draft"
    assert list(SubmissionEvent.objects.filter(submission=s).values_list("action", flat=True)) == ["return", "approve", "reopen"]


def test_return_and_reopen_need_a_reason(as_user, reviewer):
    s = submitted()
    r = as_user(reviewer).post(f"/api/v1/submissions/{s.pk}/return/", {"comment": ""}, format="json")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "comment"
    assert sub("HT-443", 2019, 1).status == S.SUBMITTED


def test_approving_a_draft_is_a_409(as_user, reviewer):
    s = Submission.objects.create(org_unit=OrgUnit.objects.get(code="HT-443"), year=2019, quarter=1)
    r = as_user(reviewer).post(f"/api/v1/submissions/{s.pk}/approve/", {}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "workflow_conflict"


@pytest.mark.parametrize(
    ("persona", "status"),
    [("clerk_can_loc", 403), ("leader", 403), ("clerk_stttt", 404), ("district_reviewer", 404), ("outsider", 404)],
    indirect=["persona"],
)
@pytest.mark.parametrize("step", ["approve", "return", "reopen"])
def test_only_reviewers_of_the_subtree_review(as_user, persona, status, step):
    s = submitted()
    r = as_user(persona).post(f"/api/v1/submissions/{s.pk}/{step}/", {"comment": "lý do"}, format="json")
    assert r.status_code == status
    assert sub("HT-443", 2019, 1).status == S.SUBMITTED


def test_a_district_reviewer_reviews_their_district(as_user, district_reviewer):
    s = submitted("HT-444")
    r = as_user(district_reviewer).post(f"/api/v1/submissions/{s.pk}/approve/", {}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "approved"
