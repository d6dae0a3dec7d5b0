"""Review in the browser: what waits, who has reported, approve, return with a comment, reopen with a reason."""

import pytest

from indicators import workflow
from indicators.models import Channel, DataValue, Submission, SubmissionStatus
from indicators.services import ValueRow, values_save
from organizations.models import OrgUnit


@pytest.fixture
def can_loc_submitted(clerk_can_loc):
    unit = OrgUnit.objects.get(code="HT-443")
    values_save(rows=[ValueRow("HT-443", "leaflets_issued", 2019, 1, value="1800")], by=clerk_can_loc, channel=Channel.FORM)
    return workflow.submission_submit(org_unit=unit, year=2019, quarter=1, by=clerk_can_loc)


def test_review_page_lists_what_waits_for_review(client, reviewer, can_loc_submitted):
    client.force_login(reviewer)
    r = client.get("/review/")
    html = r.content.decode()
    assert r.status_code == 200
    assert "Chờ thẩm định (1)" in html
    assert "Huyện Can Lộc" in html and "Quý I/2019" in html
    assert "/review/HT-443/2019/1/approve/" in html
    # The submission went in long after the due date of 21/03/2019.
    assert "Muộn" in html


def test_review_page_shows_completeness_of_the_quarter(client, reviewer, can_loc_submitted):
    client.force_login(reviewer)
    html = client.get("/review/?year=2019&quarter=1").content.decode()
    assert "Tình hình gửi báo cáo Quý I/2019" in html
    assert "đơn vị đã gửi" in html
    assert "Chưa gửi" in html and "Huyện Hương Khê" in html  # did not report
    page = client.get("/review/?year=2019&quarter=1").context["page"]
    cov = page.coverage[0]
    assert [u.unit.code for u in cov.reported] == ["HT-443"]
    assert cov.expected > 20


def test_review_page_of_2018_q4_shows_everyone_approved(client, reviewer):
    client.force_login(reviewer)
    r = client.get("/review/?year=2018&quarter=4&status=approved")
    html = r.content.decode()
    assert "Đã phê duyệt (" in html and "Huyện Can Lộc" in html
    assert r.context["page"].counts.get("approved", 0) >= 10


def test_a_district_reviewer_sees_only_their_subtree(client, district_reviewer, can_loc_submitted):
    client.force_login(district_reviewer)
    html = client.get("/review/?year=2019&quarter=1").content.decode()
    assert "Huyện Hương Khê" in html
    assert "Huyện Can Lộc" not in html
    assert "Chờ thẩm định (0)" in html


def test_a_leader_sees_the_review_page_without_action_buttons(client, leader, can_loc_submitted):
    client.force_login(leader)
    html = client.get("/review/").content.decode()
    assert "Huyện Can Lộc" in html
    assert "/approve/" not in html
    assert "Bạn chỉ có quyền xem." in html


def test_review_page_query_count(client, reviewer, can_loc_submitted, django_assert_max_num_queries):
    client.force_login(reviewer)
    with django_assert_max_num_queries(15):  # 14, and one for the activity log behind the waiting reports
        assert client.get("/review/?year=2018&quarter=4").status_code == 200


def test_approve_locks_the_quarter(client, reviewer, clerk_can_loc, can_loc_submitted):
    client.force_login(reviewer)
    r = client.post("/review/HT-443/2019/1/approve/", {"comment": "Đạt", "next": "/review/"})
    assert r.status_code == 302 and r.url == "/review/"
    sub = Submission.objects.get(pk=can_loc_submitted.pk)
    assert sub.status == SubmissionStatus.APPROVED and sub.reviewed_by == reviewer
    client.force_login(clerk_can_loc)
    html = client.get("/entry/HT-443/2019/1/").content.decode()
    assert "Số liệu đã khóa." in html and "Đạt" in html


def test_return_needs_a_comment_and_the_clerk_sees_it(client, reviewer, clerk_can_loc, can_loc_submitted):
    client.force_login(reviewer)
    r = client.post("/review/HT-443/2019/1/return/", {"comment": "  "}, follow=True)
    assert "Cần ghi rõ lý do." in r.content.decode()
    assert Submission.objects.get(pk=can_loc_submitted.pk).status == SubmissionStatus.SUBMITTED
    r = client.post("/review/HT-443/2019/1/return/", {"comment": "Thiếu số liệu tập huấn"})
    assert r.status_code == 302 and r.url == "/entry/HT-443/2019/1/"
    sub = Submission.objects.get(pk=can_loc_submitted.pk)
    assert sub.status == SubmissionStatus.RETURNED and sub.comment == "Thiếu số liệu tập huấn"
    client.force_login(clerk_can_loc)
    assert "Thiếu số liệu tập huấn" in client.get("/entry/?year=2019").content.decode()


def test_reopen_needs_a_reason_and_unlocks(client, reviewer, clerk_can_loc):
    client.force_login(reviewer)
    r = client.post("/review/HT-443/2018/4/reopen/", {"comment": ""}, follow=True)
    assert "Cần ghi rõ lý do." in r.content.decode()
    assert Submission.objects.get(org_unit__code="HT-443", year=2018, quarter=4).status == SubmissionStatus.APPROVED
    r = client.post("/review/HT-443/2018/4/reopen/", {"comment": "Sở Nội vụ đề nghị đính chính số tờ rơi"})
    assert r.status_code == 302
    assert Submission.objects.get(org_unit__code="HT-443", year=2018, quarter=4).status == SubmissionStatus.DRAFT
    client.force_login(clerk_can_loc)
    html = client.get("/entry/HT-443/2018/4/").content.decode()
    assert 'name="v-leaflets_issued"' in html
    assert "Sở Nội vụ đề nghị đính chính số tờ rơi" in html  # in the steps of the report


def test_approving_twice_says_why_not(client, reviewer):
    client.force_login(reviewer)
    r = client.post("/review/HT-443/2018/4/approve/", {"comment": ""}, follow=True)
    assert "Không thể «phê duyệt» báo cáo đang ở trạng thái «Đã phê duyệt»." in r.content.decode()


def test_an_offsite_next_is_ignored(client, reviewer, can_loc_submitted):
    client.force_login(reviewer)
    r = client.post("/review/HT-443/2019/1/approve/", {"next": "https://evil.example/"})
    assert r.status_code == 302 and r.url == "/entry/HT-443/2019/1/"


def test_reviewer_sees_review_panel_on_the_form(client, reviewer, can_loc_submitted):
    client.force_login(reviewer)
    html = client.get("/entry/HT-443/2019/1/").content.decode()
    assert "/review/HT-443/2019/1/approve/" in html and "/review/HT-443/2019/1/return/" in html
    assert DataValue.objects.filter(org_unit__code="HT-443", year=2019).count() == 1


def test_the_status_list_is_paged(client, reviewer, monkeypatch):
    from indicators import entry

    monkeypatch.setattr(entry, "REVIEW_PAGE_SIZE", 5)
    client.force_login(reviewer)
    r = client.get("/review/?year=2018&quarter=4&status=approved")
    first = r.context["page"].submissions
    assert len(first) == 5 and first.paginator.num_pages > 1
    assert "Trang 1/" in r.content.decode() and "page=2" in r.content.decode()
    second = client.get("/review/?year=2018&quarter=4&status=approved&page=2").context["page"].submissions
    assert {s.pk for s in first}.isdisjoint({s.pk for s in second})
