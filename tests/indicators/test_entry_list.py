"""The clerk's entry list: every year the unit can report in, a to-do list naming each quarter once,
and the form's wording by role."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model

from indicators import entry, workflow
from indicators.models import Submission
from indicators.periods import current_period
from organizations.models import Membership, OrgUnit, Role, UnitKind
from tests.conftest import DEMO_PASSWORD


def year_links(html: str) -> dict[int, bool]:
    """Years offered by the list → whether marked as holding figures."""
    nav = html.split('class="year-nav"')[1].split("</nav>")[0]
    return {int(y): "has-data" in cls for cls, y in re.findall(r'<a href="\?year=\d+" class="([^"]*)"[^>]*>(\d+)', nav)}


@pytest.fixture
def as_clerk(client, clerk_can_loc):
    client.force_login(clerk_can_loc)
    return client


def test_every_year_can_loc_existed_in_is_offered_and_2018_is_marked(as_clerk):
    # Can Loc: valid 1991-09-01 – 2025-06-30 (districts abolished); the portal's years start in 2000.
    years = year_links(as_clerk.get("/entry/").content.decode())
    assert sorted(years) == list(range(2000, 2026))  # 2019 is one click away, not a typed URL
    assert years[2018] is True and years[2019] is False


def test_a_unit_without_dates_reports_from_its_first_figures(db):
    unit = OrgUnit.objects.get(code="HT-443")
    unit.valid_from = unit.valid_to = None
    years, with_data = entry.entry_years([unit], datetime.date(2026, 12, 1))
    assert years == list(range(2018, 2027)) and 2018 in with_data


def test_a_unit_opened_in_2025_offers_its_years_only(client, db):
    commune = OrgUnit.objects.create(
        code="HT-NEW",
        name_vi="Xã Mới",
        kind=UnitKind.COMMUNE,
        parent=OrgUnit.objects.get(code="HT"),
        valid_from=datetime.date(2025, 7, 1),
        path="/HT/HT-NEW/",
    )
    user = get_user_model().objects.create_user("xamoi", password=DEMO_PASSWORD)
    Membership.objects.create(user=user, org_unit=commune, role=Role.CLERK)
    client.force_login(user)
    years = year_links(client.get("/entry/").content.decode())
    assert sorted(years) == list(range(2025, current_period(entry.today()).year + 1))


def test_a_closed_unit_stops_at_its_last_year(db):
    unit = OrgUnit.objects.create(
        code="HT-OLD",
        name_vi="Huyện Cũ",
        kind=UnitKind.DISTRICT,
        parent=OrgUnit.objects.get(code="HT"),
        valid_from=datetime.date(2019, 1, 1),
        valid_to=datetime.date(2021, 6, 30),
        path="/HT/HT-OLD/",
    )
    years, with_data = entry.entry_years([unit], datetime.date(2026, 12, 1))
    assert years == [2019, 2020, 2021] and with_data == set()


def test_a_returned_report_appears_once_in_the_to_do_list_with_how_late_it_is(as_clerk, clerk_can_loc, reviewer):
    unit = OrgUnit.objects.get(code="HT-443")
    workflow.submission_submit(org_unit=unit, year=2019, quarter=1, by=clerk_can_loc)
    sub = Submission.objects.get(org_unit=unit, year=2019, quarter=1)
    workflow.submission_return(submission=sub, by=reviewer, comment="Thiếu số trạm")
    html = as_clerk.get("/entry/?year=2019").content.decode()
    todo = html.split('id="todo-title"')[1].split("</section>")[0]
    items = [li for li in re.findall(r"<li.*?</li>", todo, re.S) if "Quý I/2019" in li]
    assert len(items) == 1
    assert "Bị trả lại" in items[0] and "Thiếu số trạm" in items[0] and "đã quá" in items[0]
    # The other quarters of 2019 are still overdue, each once.
    assert len(re.findall(r"Huyện Can Lộc — Quý II/2019", todo)) == 1


def test_a_reviewer_reads_review_wording_above_the_buttons(client, clerk_can_loc, reviewer):
    unit = OrgUnit.objects.get(code="HT-443")
    workflow.submission_submit(org_unit=unit, year=2019, quarter=1, by=clerk_can_loc)
    client.force_login(reviewer)
    html = client.get("/entry/HT-443/2019/1/").content.decode()
    assert "Bạn chỉ có quyền xem" not in html
    assert "Báo cáo đang chờ thẩm định: xem số liệu bên dưới rồi phê duyệt" in html
    assert "Phê duyệt" in html


def test_a_leader_is_told_the_form_is_read_only(client, leader):
    client.force_login(leader)
    html = client.get("/entry/HT-443/2018/3/").content.decode()
    assert "Bạn chỉ có quyền xem báo cáo của đơn vị này." in html
    assert "vai trò thẩm định" not in html
