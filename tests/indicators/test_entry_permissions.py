"""Each role against each entry and review page, including the wrong user."""

import pytest

from indicators import workflow
from indicators.models import DataValue, Submission, SubmissionStatus
from organizations.models import OrgUnit

FORM = "/entry/HT-443/2019/1/"
pytestmark = pytest.mark.django_db

PERSONAS = ["clerk_can_loc", "clerk_stttt", "reviewer", "leader", "admin_user", "outsider", "district_reviewer", None]


def _login(client, request, persona):
    if persona is not None:
        client.force_login(request.getfixturevalue(persona))


READ_EXPECTED = {
    "clerk_can_loc": 200,
    "clerk_stttt": 404,  # another unit's form does not exist for them
    "reviewer": 200,
    "leader": 200,
    "admin_user": 200,
    "outsider": 404,
    "district_reviewer": 404,  # Huong Khe's reviewer does not see Can Loc
    None: 302,  # to the login page
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("suffix", ["", "history/", "xlsx/"])
def test_reading_can_loc_form(client, request, persona, suffix):
    _login(client, request, persona)
    r = client.get(FORM + suffix)
    assert r.status_code == READ_EXPECTED[persona]
    if r.status_code == 302:
        assert r.url.startswith("/accounts/login/")


WRITE_EXPECTED = {
    "clerk_can_loc": 302,
    "clerk_stttt": 404,
    "reviewer": 403,  # reads, but does not enter figures
    "leader": 403,
    "admin_user": 302,  # superuser: support
    "outsider": 404,
    "district_reviewer": 404,
    None: 302,
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_saving_can_loc_form(client, request, persona):
    _login(client, request, persona)
    data = {"v-leaflets_issued": "1.234", "ver-leaflets_issued": "0", "was-leaflets_issued": "|||", "action": "save"}
    r = client.post(FORM, data)
    assert r.status_code == WRITE_EXPECTED[persona]
    saved = DataValue.objects.filter(org_unit__code="HT-443", year=2019, quarter=1, indicator__code="leaflets_issued")
    assert saved.exists() == (persona in ("clerk_can_loc", "admin_user"))


@pytest.mark.parametrize("persona", PERSONAS)
def test_uploading_to_can_loc_form(client, request, persona):
    from django.core.files.uploadedfile import SimpleUploadedFile

    _login(client, request, persona)
    csv = b"org_unit,indicator,year,quarter,value\nHT-443,leaflets_issued,2019,1,1234\n"
    r = client.post(FORM + "upload/", {"file": SimpleUploadedFile("f.csv", csv, "text/csv")})
    assert r.status_code == WRITE_EXPECTED[persona]
    saved = DataValue.objects.filter(org_unit__code="HT-443", year=2019, quarter=1, indicator__code="leaflets_issued")
    assert saved.exists() == (persona in ("clerk_can_loc", "admin_user"))


def test_canloc_can_open_its_own_2019_q1_and_not_huong_khe(client, clerk_can_loc):
    client.force_login(clerk_can_loc)
    assert client.get("/entry/HT-443/2019/1/").status_code == 200
    assert client.get("/entry/HT-444/2019/1/").status_code == 404


def test_a_leader_reads_the_form_without_inputs(client, leader):
    client.force_login(leader)
    html = client.get(FORM.replace("2019/1", "2018/4")).content.decode()
    assert "Bạn chỉ có quyền xem" in html
    assert 'name="v-leaflets_issued"' not in html
    assert "1.741" in html


REVIEW_PAGE_EXPECTED = {
    "clerk_can_loc": 403,
    "clerk_stttt": 403,
    "reviewer": 200,
    "leader": 200,
    "admin_user": 200,
    "outsider": 403,
    "district_reviewer": 200,
    None: 302,
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_review_page(client, request, persona):
    _login(client, request, persona)
    assert client.get("/review/").status_code == REVIEW_PAGE_EXPECTED[persona]


APPROVE_EXPECTED = {
    "clerk_can_loc": 403,  # sees their unit, cannot review it
    "clerk_stttt": 404,
    "reviewer": 302,
    "leader": 403,
    "admin_user": 302,
    "outsider": 404,
    "district_reviewer": 404,  # outside their subtree
    None: 302,
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_approving_can_loc_submission(client, request, persona, clerk_can_loc):
    unit = OrgUnit.objects.get(code="HT-443")
    workflow.submission_submit(org_unit=unit, year=2019, quarter=1, by=clerk_can_loc)
    _login(client, request, persona)
    r = client.post("/review/HT-443/2019/1/approve/", {"comment": ""})
    assert r.status_code == APPROVE_EXPECTED[persona]
    status = Submission.objects.get(org_unit=unit, year=2019, quarter=1).status
    assert (status == SubmissionStatus.APPROVED) == (persona in ("reviewer", "admin_user"))


def test_review_actions_need_post(client, reviewer):
    client.force_login(reviewer)
    assert client.get("/review/HT-443/2018/4/reopen/").status_code == 405


def test_unknown_review_action_is_404(client, reviewer):
    client.force_login(reviewer)
    assert client.post("/review/HT-443/2018/4/delete/", {"comment": "x"}).status_code == 404
