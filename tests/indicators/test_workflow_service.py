"""The submission workflow's rules, as every channel (browser, API, command) gets them."""

import pytest
from django.core.exceptions import PermissionDenied

from indicators import workflow
from indicators.models import Submission, SubmissionEvent
from organizations.models import OrgUnit


@pytest.fixture
def can_loc(db):
    return OrgUnit.objects.get(code="HT-443")


def test_the_full_cycle_keeps_every_step(can_loc, clerk_can_loc, reviewer):
    sub = workflow.submission_submit(org_unit=can_loc, year=2019, quarter=1, by=clerk_can_loc)
    assert sub.status == "submitted" and sub.submitted_by == clerk_can_loc
    sub = workflow.submission_return(submission=sub, by=reviewer, comment="Thiếu số lớp tập huấn")
    assert (sub.status, sub.comment) == ("returned", "Thiếu số lớp tập huấn")
    sub = workflow.submission_submit(org_unit=can_loc, year=2019, quarter=1, by=clerk_can_loc)
    sub = workflow.submission_approve(submission=sub, by=reviewer)
    assert sub.is_locked
    sub = workflow.submission_reopen(submission=sub, by=reviewer, comment="Đơn vị xin sửa")
    assert sub.status == "draft"
    steps = list(SubmissionEvent.objects.filter(submission=sub).values_list("action", "from_status", "to_status"))
    assert steps == [
        ("submit", "draft", "submitted"),
        ("return", "submitted", "returned"),
        ("submit", "returned", "submitted"),
        ("approve", "submitted", "approved"),
        ("reopen", "approved", "draft"),
    ]


def test_steps_out_of_order_say_why(can_loc, clerk_can_loc, reviewer):
    sub = workflow.submission_for(org_unit=can_loc, year=2019, quarter=2)
    with pytest.raises(workflow.WorkflowError, match="Không thể «phê duyệt» báo cáo đang ở trạng thái «Đang nhập»"):
        workflow.submission_approve(submission=sub, by=reviewer)
    workflow.submission_submit(org_unit=can_loc, year=2019, quarter=2, by=clerk_can_loc)
    with pytest.raises(workflow.WorkflowError, match="Không thể «gửi duyệt»"):
        workflow.submission_submit(org_unit=can_loc, year=2019, quarter=2, by=clerk_can_loc)


def test_returning_or_reopening_needs_a_reason(can_loc, clerk_can_loc, reviewer):
    sub = workflow.submission_submit(org_unit=can_loc, year=2019, quarter=3, by=clerk_can_loc)
    with pytest.raises(workflow.WorkflowError, match="Cần ghi rõ lý do"):
        workflow.submission_return(submission=sub, by=reviewer, comment="  ")
    assert Submission.objects.get(pk=sub.pk).status == "submitted"


def test_only_the_units_clerk_submits_and_only_a_reviewer_of_the_subtree_reviews(
    can_loc, clerk_stttt, leader, district_reviewer, clerk_can_loc
):
    with pytest.raises(PermissionDenied):
        workflow.submission_submit(org_unit=can_loc, year=2019, quarter=4, by=clerk_stttt)
    sub = workflow.submission_submit(org_unit=can_loc, year=2019, quarter=4, by=clerk_can_loc)
    for user in (leader, district_reviewer, clerk_can_loc):
        with pytest.raises(PermissionDenied):
            workflow.submission_approve(submission=sub, by=user)
    assert Submission.objects.get(pk=sub.pk).status == "submitted"
