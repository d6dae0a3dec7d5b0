"""Section A of the annual report cites the activity log of approved quarters."""

import pytest

from organizations.models import OrgUnit
from reports.annual import annual_report
from tests.campaigns.helpers import log, training

pytestmark = pytest.mark.django_db


def part_a(code: str, year: int) -> list[str]:
    report = annual_report(org_unit=OrgUnit.objects.get(code=code), year=year)
    return next(p for p in report.parts if p.code == "A").extra


def test_the_2018_report_of_the_department_cites_its_log():
    assert part_a("HT-STTTT", 2018)[0] == (
        "Theo nhật ký hoạt động của 1 đơn vị: tổ chức 05 lớp tập huấn về dịch vụ công trực tuyến cho 1.000 lượt người dân, "
        "doanh nghiệp; phát hành 17.000 tờ rơi về dịch vụ công trực tuyến; đăng 30 video clip, bài viết trên mạng xã hội."
    )


def test_the_province_adds_up_its_units_logs(client, reviewer):
    sentence = part_a("HT", 2018)[0]
    assert "tổ chức 09 lớp tập huấn về dịch vụ công trực tuyến cho trên 1.400 lượt người dân" in sentence
    client.force_login(reviewer)
    assert sentence in client.get("/reports/annual/2018/").content.decode()


def test_activities_of_a_quarter_not_yet_approved_are_not_cited(clerk_can_loc):
    log(training(), by=clerk_can_loc)
    assert part_a("HT-443", 2019) == []


def test_the_appendix_lists_the_evidence_behind_each_figure(client, reviewer):
    report = annual_report(org_unit=OrgUnit.objects.get(code="HT"), year=2018)
    listed = {ln.indicator.code: [ev.name for ev in ln.items] for ln in report.evidence}
    assert listed == {
        "online_service_training_classes": ["danh-sach-hoc-vien.pdf"],
        "online_service_trainees": ["danh-sach-hoc-vien.pdf"],
    }
    client.force_login(reviewer)
    html = client.get("/reports/annual/2018/").content.decode()
    appendix = html[html.index("PHỤ LỤC 3. TÀI LIỆU KIỂM CHỨNG") :]
    assert "danh-sach-hoc-vien.pdf" in appendix and "Sở Thông tin và Truyền thông" in appendix
