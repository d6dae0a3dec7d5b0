"""Official figures: drafts never reach leaders, coverage on every figure, like-for-like changes,
separation of duties, publishing with a reason — as the personas meet them."""

import pytest
from django.contrib.auth import get_user_model

from indicators import workflow
from indicators.models import DataValue, Submission, SubmissionStatus
from indicators.services import ValueRow, values_save
from organizations.models import Membership, OrgUnit, Role
from reports.models import Narrative
from tests.api.conftest import token_client
from tests.indicators.builders import put

pytestmark = pytest.mark.django_db

TYPO = dict(org_unit="HT-443", indicator="online_service_trainees", year=2019, quarter=1)


@pytest.fixture
def draft_typo(clerk_can_loc):
    """A clerk's typo, saved as a draft and never submitted."""
    values_save(rows=[ValueRow(**TYPO, value=99999)], by=clerk_can_loc)


def tile(page: str, code: str) -> str:
    start = page.index(f'data-indicator="{code}"')
    return page[start : page.index("</article>", start)]


# -- step 0: layers --------------------------------------------------------------------------------
def test_a_draft_never_reaches_the_leaders_dashboard(client, leader, draft_typo):
    client.force_login(leader)
    page = client.get("/?unit=HT&year=2019&quarter=1").content.decode()
    assert "99.999" not in page
    assert "provisional-mark" not in page


def test_a_reviewer_sees_the_draft_only_in_the_all_layer_and_marked(client, reviewer, draft_typo):
    client.force_login(reviewer)
    official = client.get("/?unit=HT&year=2019&quarter=1").content.decode()
    assert "99.999" not in official
    everything = client.get("/?unit=HT&year=2019&quarter=1&status=all").content.decode()
    assert "99.999" in tile(everything, "online_service_trainees")
    assert "Số liệu tạm tính" in everything and 'id="provisional-mark"' in everything


def test_the_default_api_and_export_give_official_figures(reviewer, leader, draft_typo):
    url = "/api/v1/aggregates/?org_unit=HT&year=2019&quarter=1&indicator=online_service_trainees"
    official = token_client(leader).get(url).json()
    assert official["status"] == "official" and official["figures"]["online_service_trainees"]["value"] is None
    provisional = token_client(reviewer).get(url + "&status=all").json()
    assert provisional["figures"]["online_service_trainees"]["value"] == "99999"
    assert provisional["status"] == "all" and provisional["provisional"].startswith("Số liệu tạm tính")


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("reviewer", 200),
        ("admin_user", 200),
        ("leader", 403),
        ("clerk_can_loc", 404),  # a clerk does not see the province at all
        ("clerk_stttt", 404),
        ("district_reviewer", 404),  # the province is outside their subtree
        ("outsider", 404),
    ],
)
@pytest.mark.parametrize("layer", ["submitted", "all"])
def test_who_may_switch_the_layer_in_the_api(request, persona, status, layer):
    client = token_client(request.getfixturevalue(persona))
    assert client.get(f"/api/v1/aggregates/?org_unit=HT&year=2018&status={layer}").status_code == status
    assert client.get(f"/api/v1/reports/annual/2018/?org_unit=HT&status={layer}").status_code in (status, 403)


@pytest.mark.parametrize(
    ("persona", "status"),
    [("reviewer", 200), ("admin_user", 200), ("leader", 403), ("clerk_can_loc", 403), ("outsider", 403)],
)
def test_who_may_switch_the_layer_on_the_dashboard_and_the_report(client, request, persona, status):
    client.force_login(request.getfixturevalue(persona))
    assert client.get("/?unit=HT&year=2018&status=all").status_code in ((status,) if status == 200 else (403, 404))
    assert client.get("/reports/annual/2018/?unit=HT&status=submitted").status_code in (
        (status,) if status == 200 else (403, 404)
    )


def test_a_district_reviewer_may_switch_the_layer_in_their_own_district(client, district_reviewer):
    client.force_login(district_reviewer)
    assert client.get("/?unit=HT-444&year=2018&status=all").status_code == 200


def test_an_unapproved_province_value_does_not_hide_its_approved_districts(db):
    from indicators.aggregation import Layer, figures_for

    put(("HT-443", "online_dossiers", 2021, 1, 10), ("HT-444", "online_dossiers", 2021, 1, 5))
    put(("HT", "online_dossiers", 2021, 1, 1000), approve=False)  # the province's own figure, still a draft
    ht = OrgUnit.objects.get(code="HT")
    assert figures_for(org_unit=ht, year=2021, quarter=1)["online_dossiers"].display == "15"
    assert figures_for(org_unit=ht, year=2021, quarter=1, layer=Layer.ALL)["online_dossiers"].display == "1.000"


def test_the_xlsx_and_docx_of_a_provisional_report_carry_the_mark(client, reviewer, draft_typo):
    import io

    import docx
    import openpyxl

    client.force_login(reviewer)
    xlsx = client.get("/reports/annual/2019.xlsx?unit=HT&quarter=1&status=all")
    assert xlsx.status_code == 200 and "-all" in xlsx["Content-Disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    texts = [str(c.value) for ws in wb for row in ws.iter_rows(max_row=6) for c in row if c.value]
    assert any("Số liệu tạm tính" in t for t in texts)
    d = docx.Document(
        io.BytesIO(b"".join(client.get("/reports/annual/2019.docx?unit=HT&quarter=1&status=all").streaming_content))
    )
    assert any("Số liệu tạm tính" in p.text for p in d.paragraphs)
    official = docx.Document(io.BytesIO(b"".join(client.get("/reports/annual/2019.docx?unit=HT&quarter=1").streaming_content)))
    assert not any("Số liệu tạm tính" in p.text for p in official.paragraphs)


# -- steps 4 and 5: coverage and like-for-like changes ------------------------------------------------
@pytest.fixture
def can_loc_only_2019_q1():
    """2019 Q1: Can Lộc alone has reported (approved); the rest of the province has not."""
    put(
        ("HT-443", "online_service_trainees", 2019, 1, 150),
        ("HT-443", "grassroots_radio_broadcasts", 2019, 1, 130),
        ("HT-443", "website_articles", 2019, 1, 25),
    )


def test_a_partial_quarter_shows_its_coverage_and_no_misleading_change(client, leader, can_loc_only_2019_q1):
    client.force_login(leader)
    page = client.get("/?unit=HT&year=2019&quarter=1").content.decode()
    trainees = tile(page, "online_service_trainees")
    assert "150" in trainees
    assert "dựa trên 1/" in trainees
    assert "Không so sánh được" in trainees
    assert "−" not in trainees.split("cùng kỳ")[0]  # no bare fall against last year's whole province
    broadcasts = tile(page, "grassroots_radio_broadcasts")
    assert "Không so sánh được" in broadcasts and "▼" not in broadcasts


def test_the_json_document_carries_coverage_and_previous(can_loc_only_2019_q1, leader):
    doc = token_client(leader).get("/api/v1/reports/annual/2019/?org_unit=HT&quarter=1").json()
    fig = doc["figures"]["grassroots_radio_broadcasts"]
    assert fig["value"] == "130"
    assert fig["coverage"]["reported"] == 1 and fig["coverage"]["expected"] >= 13
    assert fig["previous"]["value"] is not None and fig["previous"]["comparable"] is False
    assert fig["previous"]["coverage"]["reported"] == fig["previous"]["coverage"]["expected"]
    assert doc["coverage"]["reported"] == 1 and doc["coverage"]["expected"] == 38


def test_the_same_units_on_both_sides_are_compared(db):
    """Can Lộc alone in Q1 of both years: like for like, the change is shown."""
    from indicators.aggregation import Rollup, compare

    put(("HT-443", "website_articles", 2020, 1, 20), ("HT-443", "website_articles", 2021, 1, 30))
    now, before = Rollup.many(root=OrgUnit.objects.get(code="HT"), periods=[(2021, 1, 1), (2020, 1, 1)])
    c = compare(now, before, "website_articles")
    assert (c.figure.display, c.previous.display, c.comparable) == ("30", "20", True)
    assert not c.coverage.complete


def test_the_2018_dashboard_still_shows_the_report_figures(client, leader):
    client.force_login(leader)
    page = client.get("/?unit=HT&year=2018").content.decode()
    assert "2.213" in tile(page, "level3_services_province_district")
    assert "1.131" in tile(page, "online_dossiers")
    assert "221/262" in tile(page, "commune_websites")
    assert "dựa trên" not in tile(page, "online_dossiers")  # complete coverage needs no note


# -- the lock holds: a submitted quarter is frozen ---------------------------------------------------
def test_a_submitted_quarter_is_frozen_until_returned(client, clerk_can_loc, reviewer):
    values_save(rows=[ValueRow(**TYPO, value=120)], by=clerk_can_loc)
    sub = workflow.submission_submit(org_unit=OrgUnit.objects.get(code="HT-443"), year=2019, quarter=1, by=clerk_can_loc)
    r = token_client(clerk_can_loc).post("/api/v1/values/", [{**TYPO, "value": 121}], format="json")
    assert r.status_code == 400
    assert "đang chờ duyệt" in r.json()["errors"][0]["message"]
    assert DataValue.objects.get(org_unit__code="HT-443", indicator__code=TYPO["indicator"], year=2019, quarter=1).value == 120
    workflow.submission_return(submission=sub, by=reviewer, comment="Kiểm tra lại")
    values_save(rows=[ValueRow(**TYPO, value=121)], by=clerk_can_loc)
    assert DataValue.objects.get(org_unit__code="HT-443", indicator__code=TYPO["indicator"], year=2019, quarter=1).value == 121


# -- separation of duties ---------------------------------------------------------------------------
def test_a_reviewer_cannot_approve_a_quarter_they_entered_and_submitted(client, reviewer):
    Membership.objects.create(user=reviewer, org_unit=OrgUnit.objects.get(code="HT-443"), role=Role.CLERK)
    values_save(rows=[ValueRow(**TYPO, value=10)], by=reviewer)
    unit = OrgUnit.objects.get(code="HT-443")
    workflow.submission_submit(org_unit=unit, year=2019, quarter=1, by=reviewer)
    client.force_login(reviewer)
    r = client.post("/review/HT-443/2019/1/approve/", {"comment": ""}, follow=True)
    assert "không thể phê duyệt báo cáo do chính mình gửi" in r.content.decode()
    sub = Submission.objects.get(org_unit=unit, year=2019, quarter=1)
    assert sub.status == SubmissionStatus.SUBMITTED and sub.reviewed_by is None


def test_someone_who_only_entered_values_cannot_approve_them_either(reviewer, clerk_can_loc):
    from django.core.exceptions import PermissionDenied

    unit = OrgUnit.objects.get(code="HT-443")
    Membership.objects.create(user=reviewer, org_unit=unit, role=Role.CLERK)
    values_save(rows=[ValueRow(**TYPO, value=10)], by=reviewer)
    sub = workflow.submission_submit(org_unit=unit, year=2019, quarter=1, by=clerk_can_loc)
    with pytest.raises(PermissionDenied):
        workflow.submission_approve(submission=sub, by=reviewer)


def test_a_superusers_approval_of_their_own_data_is_refused(admin_user):
    from django.core.exceptions import PermissionDenied

    unit = OrgUnit.objects.get(code="HT-443")
    values_save(rows=[ValueRow(**TYPO, value=10)], by=admin_user)
    sub = workflow.submission_submit(org_unit=unit, year=2019, quarter=1, by=admin_user)
    with pytest.raises(PermissionDenied):
        workflow.submission_approve(submission=sub, by=admin_user)
    assert Submission.objects.get(pk=sub.pk).status == SubmissionStatus.SUBMITTED


def _staff_reviewer(reviewer):
    from django.contrib.auth.models import Group

    reviewer.is_staff = True
    reviewer.save()
    reviewer.groups.add(Group.objects.get(name="Cán bộ thẩm định"))
    return reviewer


def test_a_reviewer_cannot_grant_themselves_a_role_in_the_admin(client, reviewer):
    client.force_login(_staff_reviewer(reviewer))
    unit = OrgUnit.objects.get(code="HT-443")
    r = client.post("/admin/organizations/membership/add/", {"user": reviewer.pk, "org_unit": unit.pk, "role": "clerk"})
    assert r.status_code == 200 and "không tự phân quyền cho mình" in r.content.decode()
    assert not Membership.objects.filter(user=reviewer, org_unit=unit).exists()


def test_a_reviewer_cannot_give_others_the_reviewer_role(client, reviewer, clerk_can_loc):
    client.force_login(_staff_reviewer(reviewer))
    unit = OrgUnit.objects.get(code="HT-443")
    r = client.post("/admin/organizations/membership/add/", {"user": clerk_can_loc.pk, "org_unit": unit.pk, "role": "reviewer"})
    assert r.status_code == 200
    assert not Membership.objects.filter(user=clerk_can_loc, role=Role.REVIEWER).exists()


def test_a_reviewer_may_add_a_clerk_in_their_subtree(client, reviewer):
    client.force_login(_staff_reviewer(reviewer))
    newcomer = get_user_model().objects.create_user("moi", password="x")
    unit = OrgUnit.objects.get(code="HT-443")
    r = client.post("/admin/organizations/membership/add/", {"user": newcomer.pk, "org_unit": unit.pk, "role": "clerk"})
    assert r.status_code == 302
    assert Membership.objects.filter(user=newcomer, org_unit=unit, role=Role.CLERK).exists()


def test_a_reviewer_does_not_see_their_own_memberships_in_the_admin(client, reviewer):
    client.force_login(_staff_reviewer(reviewer))
    own = Membership.objects.filter(user=reviewer).first()
    assert client.get(f"/admin/organizations/membership/{own.pk}/change/").status_code in (302, 404)


# -- publishing -------------------------------------------------------------------------------------
def test_publishing_a_1_of_38_report_asks_for_a_reason_and_prints_it(client, reviewer):
    put(*[("HT-443", "grassroots_radio_broadcasts", 2019, q, 100 + q) for q in (1, 2, 3, 4)])  # Can Lộc's whole year
    client.force_login(reviewer)
    url = "/reports/annual/2019/publish/?unit=HT"
    page = client.get(url).content.decode()
    assert "dựa trên 1/38 đơn vị" in page and 'id="unapproved"' in page
    r = client.post(url, {"reason": ""})
    assert r.status_code == 400 and "cần ghi rõ lý do phát hành" in r.content.decode()
    assert not Narrative.objects.filter(org_unit__code="HT", year=2019, published=True).exists()
    r = client.post(url, {"reason": "Báo cáo nhanh theo yêu cầu của Bộ Nội vụ"})
    assert r.status_code == 302
    n = Narrative.objects.get(org_unit__code="HT", year=2019)
    assert n.published and n.publish_reason == "Báo cáo nhanh theo yêu cầu của Bộ Nội vụ"
    report = client.get("/reports/annual/2019/?unit=HT").content.decode()
    assert "Lý do: Báo cáo nhanh theo yêu cầu của Bộ Nội vụ" in report
    assert "Tổng hợp từ báo cáo của 1/38 đơn vị" in report


def test_the_clerks_form_of_a_submitted_quarter_offers_no_saving(client, clerk_can_loc):
    values_save(rows=[ValueRow(**TYPO, value=120)], by=clerk_can_loc)
    client.force_login(clerk_can_loc)
    assert 'value="save"' in client.get("/entry/HT-443/2019/1/").content.decode()
    workflow.submission_submit(org_unit=OrgUnit.objects.get(code="HT-443"), year=2019, quarter=1, by=clerk_can_loc)
    page = client.get("/entry/HT-443/2019/1/").content.decode()
    assert "Số liệu tạm khóa trong khi chờ thẩm định" in page
    assert 'value="save"' not in page


@pytest.mark.parametrize(("persona", "sees"), [("leader", False), ("clerk_can_loc", True), ("reviewer", True)])
def test_the_values_list_shows_a_draft_only_to_those_who_enter_or_review_it(request, persona, sees, draft_typo):
    url = "/api/v1/values/?org_unit=HT-443&year=2019&indicator=online_service_trainees"
    rows = token_client(request.getfixturevalue(persona)).get(url).json()["results"]
    assert any(r["value"] == "99999" for r in rows) is sees


def test_a_leader_still_reads_approved_values_in_the_values_list(leader):
    rows = token_client(leader).get("/api/v1/values/?org_unit=HT-443&year=2018&page_size=500").json()["results"]
    assert rows and all(r["org_unit"] == "HT-443" for r in rows)


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("reviewer", 200),
        ("admin_user", 200),
        ("leader", 403),
        ("clerk_can_loc", 404),
        ("district_reviewer", 404),
        ("outsider", 404),
    ],
)
def test_who_may_open_the_publishing_confirmation(client, request, persona, status):
    client.force_login(request.getfixturevalue(persona))
    r = client.get("/reports/annual/2018/publish/?unit=HT")
    assert r.status_code == status
    assert not Narrative.objects.filter(org_unit__code="HT", year=2018, published=True).exists()
