"""The activity log's one write path: every row checked, all or nothing, audited, frozen with its quarter."""

import datetime

import pytest

from campaigns.models import Activity, ActivityChange
from campaigns.selectors import hints_for
from campaigns.services import ActivityRow, activities_save, activity_delete
from indicators import workflow
from indicators.models import DataValue, Indicator, ValueChange
from indicators.periods import Period
from indicators.services import NotAllowed, ValueRow, values_save
from organizations.models import OrgUnit
from reform_portal.tabular import RowsInvalid
from tests.campaigns.helpers import leaflets, log, training

pytestmark = pytest.mark.django_db


def test_an_activity_counts_in_the_quarter_whose_decree_09_window_holds_its_date(clerk_can_loc):
    [late_dec, mid_march] = log(training("2018-12-16"), training("15/03/2019"), by=clerk_can_loc)
    assert (late_dec.year, late_dec.quarter) == (2019, 1)  # 15/12/2018 – 14/03/2019
    assert (mid_march.year, mid_march.quarter) == (2019, 2)
    change = ActivityChange.objects.get(activity_id_kept=late_dec.pk)
    assert change.old is None and change.new["participants"] == 100 and change.changed_by == clerk_can_loc


def test_every_bad_row_is_named_and_nothing_is_saved(clerk_can_loc):
    rows = [
        training(),
        {"kind": "webinar", "date": "2019-01-10", "title": "x"},
        training(day="31/02/2019"),
        leaflets(copies=None),
        training(people="nhiều"),
        training(end_date="2019-01-01"),
        {"kind": "training_class", "date": "2019-01-10", "title": "", "participants": 5},
        training(url="javascript:alert(1)"),
        training(campaign="999/KH-UBND"),
        training(participants=10, citizens=8, officials=5),
    ]
    with pytest.raises(RowsInvalid) as exc:
        log(*rows, by=clerk_can_loc)
    by_row = {(e.row, e.field) for e in exc.value.errors}
    assert by_row == {
        (2, "kind"),
        (3, "date"),
        (4, "quantity"),
        (5, "participants"),
        (6, "end_date"),
        (7, "title"),
        (8, "url"),
        (9, "campaign"),
        (10, "participants"),
    }
    messages = " ".join(str(e) for e in exc.value.errors)
    assert "Dòng 4, Số lượng: Hoạt động loại «Đợt in, phát hành tờ rơi» cần số lượng" in messages
    assert not Activity.objects.filter(org_unit__code="HT-443", year=2019).exists()


def test_a_clerk_cannot_log_for_another_unit(clerk_can_loc):
    with pytest.raises(NotAllowed):
        log(training(org_unit="HT-444"), by=clerk_can_loc)
    assert not Activity.objects.filter(org_unit__code="HT-444", year=2019).exists()


def test_a_submitted_or_approved_quarter_freezes_its_activities(clerk_can_loc, reviewer):
    [activity] = log(training(), by=clerk_can_loc)
    unit = OrgUnit.objects.get(code="HT-443")
    sub = workflow.submission_submit(org_unit=unit, year=2019, quarter=1, by=clerk_can_loc)
    with pytest.raises(RowsInvalid) as exc:
        log(training(day="2019-02-02"), by=clerk_can_loc)
    assert "đã gửi duyệt nên nhật ký hoạt động của quý này bị khóa" in str(exc.value.errors[0])
    row = ActivityRow.from_mapping({"org_unit": "HT-443", **training(people=999)}, row=1)
    row.id = activity.pk
    with pytest.raises(RowsInvalid):
        activities_save(rows=[row], by=clerk_can_loc)
    workflow.submission_approve(submission=sub, by=reviewer)
    with pytest.raises(RowsInvalid) as exc:
        activity_delete(activity=activity, by=clerk_can_loc)
    assert "đã được phê duyệt" in str(exc.value.errors[0])
    assert Activity.objects.get(pk=activity.pk).participants == 100


def test_moving_an_activity_out_of_a_frozen_quarter_is_refused_too(clerk_can_loc):
    [activity] = log(training(), by=clerk_can_loc)
    workflow.submission_submit(org_unit=OrgUnit.objects.get(code="HT-443"), year=2019, quarter=1, by=clerk_can_loc)
    row = ActivityRow.from_mapping({"org_unit": "HT-443", **training(day="2019-05-05")}, row=1)
    row.id = activity.pk
    with pytest.raises(RowsInvalid):
        activities_save(rows=[row], by=clerk_can_loc)
    assert Activity.objects.get(pk=activity.pk).quarter == 1


def test_edits_and_deletions_are_kept_in_the_history(clerk_can_loc):
    [activity] = log(training(), by=clerk_can_loc)
    row = ActivityRow.from_mapping({"org_unit": "HT-443", **training(people=120)}, row=1)
    row.id = activity.pk
    activities_save(rows=[row], by=clerk_can_loc)
    activity_delete(activity=Activity.objects.get(pk=activity.pk), by=clerk_can_loc)
    history = list(ActivityChange.objects.filter(activity_id_kept=activity.pk).order_by("id"))
    assert [(h.old and h.old["participants"], h.new and h.new["participants"]) for h in history] == [
        (None, 100),
        (100, 120),
        (120, None),
    ]
    assert not Activity.objects.filter(pk=activity.pk).exists()


def test_the_log_adds_up_by_the_kind_rules_and_topic(clerk_can_loc):
    log(
        training(people=500),
        training(day="2019-02-20", people=520),
        leaflets(copies=800),
        leaflets(copies=1200, topic="online_services"),
        by=clerk_can_loc,
    )
    unit = OrgUnit.objects.get(code="HT-443")
    indicators = list(Indicator.objects.active().reported_by(unit.kind).in_report_order())
    hints = hints_for(unit=unit, period=Period(2019, 1), indicators=indicators)
    assert hints["online_service_training_classes"].value == 2
    assert hints["online_service_trainees"].value == 1020
    assert hints["online_service_trainees"].summary == "2 lớp, 1.020 lượt người"
    assert hints["leaflets_issued"].value == 800
    assert hints["online_service_leaflets"].value == 1200


def test_a_figure_other_than_the_log_needs_a_note_and_the_history_says_which_it_was(clerk_can_loc):
    log(training(people=500), training(day="2019-02-20", people=520), by=clerk_can_loc)
    cell = {"org_unit": "HT-443", "year": 2019, "quarter": 1}
    with pytest.raises(RowsInvalid) as exc:
        values_save(rows=[ValueRow(**cell, indicator="online_service_trainees", value=1000, row=1)], by=clerk_can_loc)
    assert str(exc.value.errors[0]) == "Dòng 1, Ghi chú: Số liệu khác nhật ký hoạt động (theo nhật ký: 1.020): ghi chú lý do."
    assert not DataValue.objects.filter(org_unit__code="HT-443", year=2019, indicator__code="online_service_trainees").exists()
    values_save(
        rows=[
            ValueRow(**cell, indicator="online_service_training_classes", value=2, row=1),
            ValueRow(**cell, indicator="online_service_trainees", value=1000, note="20 người dự hai lớp", row=2),
        ],
        by=clerk_can_loc,
    )
    sources = dict(ValueChange.objects.filter(org_unit__code="HT-443", year=2019).values_list("indicator__code", "source"))
    assert sources == {"online_service_training_classes": "from_log", "online_service_trainees": "typed"}


def test_a_unit_closed_on_the_day_takes_no_activity(clerk_can_loc):
    unit = OrgUnit.objects.get(code="HT-443")
    OrgUnit.objects.filter(pk=unit.pk).update(valid_to=datetime.date(2019, 1, 31))
    with pytest.raises(RowsInvalid) as exc:
        log(training(day="2019-02-05"), by=clerk_can_loc)
    assert "không hoạt động vào ngày 05/02/2019" in str(exc.value.errors[0])
