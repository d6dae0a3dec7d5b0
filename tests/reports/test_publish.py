"""Reviewers publish the year's report: its words freeze, and later corrections of figures show."""

import pytest

from indicators import workflow
from indicators.models import Submission
from indicators.services import ValueRow, values_save
from reports.models import Narrative

PUBLISH = "/reports/annual/2018/publish/?unit=HT"


def test_a_reviewer_publishes_and_the_page_says_so(client, reviewer):
    client.force_login(reviewer)
    r = client.post(PUBLISH)
    assert r.status_code == 302
    n = Narrative.objects.get(org_unit__code="HT", year=2018)
    assert n.published and n.published_by == reviewer
    assert n.published_figures["level3_services_province_district"]["display"] == "2.213"
    page = client.get("/reports/annual/2018/?unit=HT").content.decode()
    assert "Đã phát hành ngày" in page and "Hủy phát hành để sửa" in page


def test_a_published_narrative_cannot_be_edited_until_withdrawn(client, reviewer):
    client.force_login(reviewer)
    client.post(PUBLISH)
    form = client.get("/reports/annual/2018/narrative/?unit=HT").context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "issued_on"}
    data.update({"recipients": "UBND tỉnh;", "directives-TOTAL_FORMS": "0", "directives-INITIAL_FORMS": "0"})
    r = client.post("/reports/annual/2018/narrative/?unit=HT", data, follow=True)
    assert "đã phát hành nên không sửa được" in r.content.decode()
    assert Narrative.objects.get(org_unit__code="HT", year=2018).recipients != "UBND tỉnh;"
    client.post(PUBLISH, {"action": "withdraw"})
    assert not Narrative.objects.get(org_unit__code="HT", year=2018).published


def test_a_correction_after_publication_is_flagged_on_the_report(client, reviewer, clerk_stttt):
    client.force_login(reviewer)
    client.post(PUBLISH)
    sub = Submission.objects.get(org_unit__code="HT-STTTT", year=2018, quarter=4)
    workflow.submission_reopen(submission=sub, by=reviewer, comment="Sửa số tin bài")
    cell = dict(org_unit="HT-STTTT", indicator="central_press_articles", year=2018, quarter=4)
    values_save(rows=[ValueRow(**cell, value=160)], by=clerk_stttt)
    # Reopened, the quarter is a draft again and leaves the official figures until it is approved again.
    assert "Tổng hợp từ báo cáo của 37/38 đơn vị" in client.get("/reports/annual/2018/?unit=HT").content.decode()
    sub = workflow.submission_submit(org_unit=sub.org_unit, year=2018, quarter=4, by=clerk_stttt)
    workflow.submission_approve(submission=sub, by=reviewer)
    page = client.get("/reports/annual/2018/?unit=HT").content.decode()
    assert "Số liệu đã được sửa sau khi báo cáo phát hành" in page
    assert "khi phát hành 550, nay 556" in page


@pytest.mark.parametrize("persona", ["leader", "clerk_can_loc", "district_reviewer"])
def test_only_a_reviewer_of_the_unit_publishes(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    r = client.post(PUBLISH)
    assert r.status_code in (403, 404)
    assert not Narrative.objects.filter(org_unit__code="HT", year=2018, published=True).exists()


def test_publishing_asks_for_confirmation_first_and_shows_the_coverage(client, reviewer):
    client.force_login(reviewer)
    r = client.get(PUBLISH)
    assert r.status_code == 200
    page = r.content.decode()
    assert "Xác nhận phát hành" in page and "dựa trên 38/38 đơn vị" in page
    assert "chưa được phê duyệt" not in page  # 2018 is complete: no reason asked for
    assert not Narrative.objects.filter(org_unit__code="HT", year=2018, published=True).exists()
