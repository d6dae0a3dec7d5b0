"""A unit closed (Can Loc district, HT-443, until 30/06/2025) takes no data and no submission after, by any path."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from indicators import workflow
from indicators.models import Channel, DataValue, Submission, SubmissionEvent, SubmissionStatus
from organizations.models import OrgUnit
from tests.api.conftest import token_client

S = SubmissionStatus
CLOSED = "Đơn vị «HT-443» không hoạt động trong Quý III/2025 (hiệu lực 01/09/1991 – 30/06/2025)."


def later_values():
    return DataValue.objects.filter(org_unit__code="HT-443", year=2025, quarter=3)


@pytest.fixture
def as_clerk(client, clerk_can_loc):
    client.force_login(clerk_can_loc)
    return client


def legacy_submitted():
    """A later quarter submitted before the guard existed (the issue's case): it must not be approved now."""
    return Submission.objects.create(org_unit=OrgUnit.objects.get(code="HT-443"), year=2025, quarter=3, status=S.SUBMITTED)


def test_entry_list_offers_only_quarters_the_unit_is_open(as_clerk):
    html = as_clerk.get("/entry/?year=2025").content.decode()
    assert "/entry/HT-443/2025/2/" in html
    assert "/entry/HT-443/2025/3/" not in html and "/entry/HT-443/2025/4/" not in html
    html = as_clerk.get("/entry/?year=2026").content.decode()
    assert "Đơn vị không hoạt động trong năm 2026 (hiệu lực 01/09/1991 – 30/06/2025)" in html
    assert "/entry/HT-443/2026/" not in html


def test_form_of_a_later_quarter_says_closed_and_offers_no_save_or_submit(as_clerk):
    legacy_submitted()
    html = as_clerk.get("/entry/HT-443/2025/3/").content.decode()
    assert "Đơn vị không hoạt động trong Quý III/2025 (hiệu lực 01/09/1991 – 30/06/2025)" in html
    assert "đang chờ thẩm định" not in html  # not both "submitted" and "closed"
    assert 'value="submit"' not in html and 'value="save"' not in html
    assert 'name="file"' not in html


def test_form_post_saves_nothing_and_submits_nothing(as_clerk):
    r = as_clerk.post("/entry/HT-443/2025/3/", {"v-leaflets_issued": "10", "ver-leaflets_issued": "0", "action": "submit"})
    assert r.status_code == 400
    assert CLOSED in r.content.decode()
    assert not later_values().exists()
    assert not Submission.objects.filter(org_unit__code="HT-443", year=2025, quarter=3).exists()


def test_upload_saves_nothing(as_clerk):
    csv = b"org_unit,indicator,year,quarter,value\nHT-443,leaflets_issued,2025,3,10\n"
    r = as_clerk.post("/entry/HT-443/2025/3/upload/", {"file": SimpleUploadedFile("q3.csv", csv)})
    assert r.status_code == 400
    assert CLOSED in r.content.decode()
    assert not later_values().exists()


def test_cli_import_values_saves_nothing(db, tmp_path):
    path = tmp_path / "v.csv"
    path.write_text("org_unit,indicator,year,quarter,value\nHT-443,leaflets_issued,2025,3,10\nHT-443,leaflets_issued,2023,2,4\n")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_values", str(path), stdout=io.StringIO(), stderr=err)
    assert f"Dòng 2, Đơn vị: {CLOSED}" in err.getvalue()
    assert not later_values().exists()
    assert not DataValue.objects.filter(org_unit__code="HT-443", year=2023).exists()  # nor the good row


def test_api_values_and_submit_are_refused(clerk_can_loc):
    api = token_client(clerk_can_loc)
    r = api.post(
        "/api/v1/values/",
        [{"org_unit": "HT-443", "indicator": "leaflets_issued", "year": 2025, "quarter": 3, "value": 10}],
        format="json",
    )
    assert r.status_code == 400
    assert r.json()["errors"][0]["message"] == CLOSED
    r = api.post("/api/v1/submissions/submit/", {"org_unit": "HT-443", "year": 2025, "quarter": 3}, format="json")
    assert r.status_code == 409
    assert r.json()["detail"] == CLOSED
    assert not later_values().exists()
    assert not Submission.objects.filter(org_unit__code="HT-443", year=2025, quarter=3).exists()


def test_a_unit_not_yet_open_cannot_submit(db, clerk_can_loc):
    # Thi xa Ky Anh opened on 15/05/2015: Q1/2015 was before it existed.
    from organizations.models import Membership, Role

    Membership.objects.create(user=clerk_can_loc, org_unit=OrgUnit.objects.get(code="HT-449"), role=Role.CLERK)
    with pytest.raises(workflow.WorkflowError, match="không hoạt động trong Quý I/2015"):
        workflow.submission_submit(org_unit=OrgUnit.objects.get(code="HT-449"), year=2015, quarter=1, by=clerk_can_loc)
    assert (
        workflow.submission_submit(org_unit=OrgUnit.objects.get(code="HT-449"), year=2015, quarter=2, by=clerk_can_loc).status
        == S.SUBMITTED
    )


def test_approve_of_an_already_submitted_later_quarter_is_refused_in_the_browser(client, reviewer):
    sub = legacy_submitted()
    client.force_login(reviewer)
    r = client.post("/review/HT-443/2025/3/approve/", {"comment": ""}, follow=True)
    assert CLOSED in r.content.decode()  # the message, on the form it returns to
    sub.refresh_from_db()
    assert sub.status == S.SUBMITTED
    assert not SubmissionEvent.objects.filter(submission=sub).exists()


@pytest.mark.parametrize("action", ["approve", "return", "reopen"])
def test_every_review_step_of_a_later_quarter_is_refused_over_the_api(reviewer, action):
    sub = legacy_submitted()
    if action == "reopen":
        Submission.objects.filter(pk=sub.pk).update(status=S.APPROVED)
    r = token_client(reviewer).post(f"/api/v1/submissions/{sub.pk}/{action}/", {"comment": "lý do"}, format="json")
    assert r.status_code == 409
    assert r.json()["detail"] == CLOSED
    assert not SubmissionEvent.objects.filter(submission=sub).exists()


def test_the_last_open_quarter_still_goes_through(db, clerk_can_loc, reviewer):
    # The demo approved Q2/2025, the district's last quarter: it can still be reopened and submitted again.
    sub = Submission.objects.get(org_unit__code="HT-443", year=2025, quarter=2)
    assert workflow.submission_reopen(submission=sub, by=reviewer, comment="sửa số liệu").status == S.DRAFT
    unit = OrgUnit.objects.get(code="HT-443")
    assert (
        workflow.submission_submit(org_unit=unit, year=2025, quarter=2, by=clerk_can_loc, channel=Channel.API).status
        == S.SUBMITTED
    )
