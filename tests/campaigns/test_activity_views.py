"""The log's pages: the unit's clerk writes, readers of the subtree read, anyone else gets a 404."""

import pytest

from campaigns.models import Activity
from indicators import workflow
from organizations.models import OrgUnit
from tests.campaigns.helpers import log, training

pytestmark = pytest.mark.django_db
LIST = "/activities/HT-443/2019/1/"


def quick_add(**over):
    return {
        "kind": "training_class",
        "topic": "online_services",
        "date": "10/01/2019",
        "title": "Tập huấn DVC",
        "participants": "1.020",
        **over,
    }


def test_the_clerk_records_an_activity_and_sees_it_listed(client, clerk_can_loc):
    client.force_login(clerk_can_loc)
    r = client.post(LIST, quick_add(), follow=True)
    assert "Đã ghi hoạt động «Tập huấn DVC» (Quý I/2019)." in r.content.decode()
    a = Activity.objects.get(org_unit__code="HT-443", year=2019)
    assert (a.participants, a.recorded_by) == (1020, clerk_can_loc)
    html = client.get(LIST).content.decode()
    assert "Tập huấn DVC" in html and "1 lớp" in html


def test_bad_input_is_shown_next_to_its_field_and_nothing_is_saved(client, clerk_can_loc):
    client.force_login(clerk_can_loc)
    r = client.post(LIST, quick_add(date="32/01/2019", participants=""))
    assert r.status_code == 400
    html = r.content.decode()
    assert "Ngày phải có dạng dd/mm/yyyy" in html and "cần số người tham dự" in html
    assert not Activity.objects.filter(org_unit__code="HT-443", year=2019).exists()


@pytest.mark.parametrize(("who", "status"), [("leader", 403), ("reviewer", 403), ("clerk_stttt", 404), ("outsider", 404)])
def test_nobody_else_writes(client, request, who, status):
    client.force_login(request.getfixturevalue(who))
    assert client.post(LIST, quick_add()).status_code == status
    assert not Activity.objects.filter(org_unit__code="HT-443", year=2019).exists()


@pytest.mark.parametrize(
    ("who", "status"), [("leader", 200), ("reviewer", 200), ("district_reviewer", 404), ("clerk_stttt", 404), ("outsider", 404)]
)
def test_who_reads_the_log(client, request, clerk_can_loc, who, status):
    [a] = log(training(), by=clerk_can_loc)
    client.force_login(request.getfixturevalue(who))
    assert client.get(LIST).status_code == status
    assert client.get(f"{LIST}{a.pk}/").status_code == status


def test_an_activity_is_edited_while_the_quarter_is_open_and_locked_with_it(client, clerk_can_loc):
    [a] = log(training(), by=clerk_can_loc)
    client.force_login(clerk_can_loc)
    r = client.post(f"{LIST}{a.pk}/", quick_add(participants="150"))
    assert r.status_code == 302
    assert Activity.objects.get(pk=a.pk).participants == 150
    workflow.submission_submit(org_unit=OrgUnit.objects.get(code="HT-443"), year=2019, quarter=1, by=clerk_can_loc)
    html = client.get(LIST).content.decode()
    assert "Nhật ký đã khóa." in html and "Ghi nhanh một hoạt động" not in html
    r = client.post(f"{LIST}{a.pk}/", quick_add(participants="999"))
    assert r.status_code == 400 and "bị khóa" in r.content.decode()
    assert Activity.objects.get(pk=a.pk).participants == 150
    r = client.post(f"{LIST}{a.pk}/delete/", follow=True)
    assert "bị khóa" in r.content.decode() and Activity.objects.filter(pk=a.pk).exists()


def test_an_activity_of_another_unit_is_not_found_under_this_one(client, clerk_stttt, clerk_can_loc):
    [a] = log(training(org_unit="HT-STTTT"), by=clerk_stttt)
    client.force_login(clerk_can_loc)
    assert client.get(f"{LIST}{a.pk}/").status_code == 404
    assert client.post(f"{LIST}{a.pk}/delete/").status_code == 404
    assert Activity.objects.filter(pk=a.pk).exists()


def test_the_campaign_page_shows_plan_actual_and_the_activities_behind(client, reviewer):
    from campaigns.models import Campaign

    campaign = Campaign.objects.get(year=2018, number="394/KH-UBND")
    client.force_login(reviewer)
    html = client.get(f"/campaigns/{campaign.pk}/").content.decode()
    row = html[html.index('id="target-online_service_training_classes"') :]
    row = row[: row.index("</tr>")]
    assert "60" in row and "55" in row  # plan, and the province's official figure for 2018
    assert "9 hoạt động, cộng 9" in row  # the classes of HT-STTTT, Can Loc and Huong Khe logged under the plan
    assert "Dòng thời gian" in html and "Video clip số 30" in html


def test_the_campaign_page_is_not_for_outsiders(client, outsider):
    from campaigns.models import Campaign

    client.force_login(outsider)
    assert client.get(f"/campaigns/{Campaign.objects.get(year=2018).pk}/").status_code == 404


def test_the_reviewer_sees_where_a_waiting_report_differs_from_the_log(client, clerk_can_loc, reviewer):
    from indicators.services import ValueRow, values_save

    log(training(people=300), by=clerk_can_loc)
    cell = {"org_unit": "HT-443", "year": 2019, "quarter": 1}
    values_save(
        rows=[ValueRow(**cell, indicator="online_service_trainees", value=280, note="20 người bỏ về", row=1)], by=clerk_can_loc
    )
    workflow.submission_submit(org_unit=OrgUnit.objects.get(code="HT-443"), year=2019, quarter=1, by=clerk_can_loc)
    client.force_login(reviewer)
    assert "2 số liệu khác nhật ký hoạt động" in client.get("/review/").content.decode()  # classes not entered, trainees differ
    form = client.get("/entry/HT-443/2019/1/").content.decode()
    row = form[form.index('id="row-online_service_trainees"') :]
    assert "Khác nhật ký (300)" in row[: row.index("</tr>")]


def test_the_log_page_costs_the_same_few_queries_however_many_activities(client, clerk_stttt, django_assert_max_num_queries):
    client.force_login(clerk_stttt)
    with django_assert_max_num_queries(14):
        r = client.get("/activities/HT-STTTT/2018/4/")  # 2 classes, a print run, 10 clips
    assert r.status_code == 200 and r.content.decode().count('<tr id="activity-') == 13


def test_the_form_with_the_log_beside_it_stays_bounded(client, clerk_stttt, django_assert_max_num_queries):
    client.force_login(clerk_stttt)
    with django_assert_max_num_queries(18):
        r = client.get("/entry/HT-STTTT/2018/1/")
    assert "theo nhật ký: 1 lớp, 220 lượt người" in r.content.decode()
