"""The submission workflow: draft → submitted → approved, or submitted → returned → submitted…

Approval locks the quarter's values (checked in indicators.services); only a
reviewer of the unit's subtree can reopen it, with a reason. Every step is
kept as a SubmissionEvent with who, when and the comment.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.models import Channel, Submission, SubmissionEvent, SubmissionStatus
from organizations import access

S = SubmissionStatus


class WorkflowError(Exception):
    """The step is not possible from the submission's current state; the message says why."""


def submission_for(*, org_unit, year: int, quarter: int) -> Submission:
    """The unit's submission for the quarter, created as a draft on first use."""
    sub, _created = Submission.objects.get_or_create(org_unit=org_unit, year=year, quarter=quarter)
    return sub


def _step(sub: Submission, *, action: str, allowed_from: set, to: str, by, comment: str, channel: str) -> Submission:
    sub = Submission.objects.select_for_update().get(pk=sub.pk)
    if sub.status not in allowed_from:
        raise WorkflowError(
            _("Không thể «%(a)s» báo cáo đang ở trạng thái «%(s)s».")
            % {"a": ACTION_LABELS[action], "s": sub.get_status_display()}
        )
    event = SubmissionEvent(
        submission=sub, action=action, from_status=sub.status, to_status=to, comment=comment, by=by, channel=channel
    )
    now = timezone.now()
    sub.status = to
    if action == "submit":
        sub.submitted_at, sub.submitted_by = now, by
    else:
        sub.reviewed_at, sub.reviewed_by = now, by
    sub.comment = comment
    sub.save()
    event.save()
    return sub


# Lazy: the labels are looked up when a message is made, in the language of that request.
ACTION_LABELS = {
    "submit": gettext_lazy("gửi duyệt"),
    "approve": gettext_lazy("phê duyệt"),
    "return": gettext_lazy("trả lại"),
    "reopen": gettext_lazy("mở lại"),
}


@transaction.atomic
def submission_submit(*, org_unit, year: int, quarter: int, by, comment: str = "", channel: str = Channel.FORM) -> Submission:
    if not access.can_enter(by, org_unit):
        raise PermissionDenied(_("Bạn không có quyền gửi báo cáo của đơn vị này."))
    sub = submission_for(org_unit=org_unit, year=year, quarter=quarter)
    return _step(
        sub, action="submit", allowed_from={S.DRAFT, S.RETURNED}, to=S.SUBMITTED, by=by, comment=comment, channel=channel
    )


def _review(sub: Submission, *, action: str, allowed_from: set, to: str, by, comment: str, channel: str, need_comment: bool):
    if not access.can_review(by, sub.org_unit):
        raise PermissionDenied(_("Bạn không có quyền thẩm định báo cáo của đơn vị này."))
    if need_comment and not comment.strip():
        raise WorkflowError(_("Cần ghi rõ lý do."))
    return _step(sub, action=action, allowed_from=allowed_from, to=to, by=by, comment=comment.strip(), channel=channel)


@transaction.atomic
def submission_approve(*, submission: Submission, by, comment: str = "", channel: str = Channel.FORM) -> Submission:
    return _review(
        submission,
        action="approve",
        allowed_from={S.SUBMITTED},
        to=S.APPROVED,
        by=by,
        comment=comment,
        channel=channel,
        need_comment=False,
    )


@transaction.atomic
def submission_return(*, submission: Submission, by, comment: str, channel: str = Channel.FORM) -> Submission:
    return _review(
        submission,
        action="return",
        allowed_from={S.SUBMITTED},
        to=S.RETURNED,
        by=by,
        comment=comment,
        channel=channel,
        need_comment=True,
    )


@transaction.atomic
def submission_reopen(*, submission: Submission, by, comment: str, channel: str = Channel.FORM) -> Submission:
    """Unlock an approved quarter (back to draft) so its unit can correct it."""
    return _review(
        submission,
        action="reopen",
        allowed_from={S.APPROVED},
        to=S.DRAFT,
        by=by,
        comment=comment,
        channel=channel,
        need_comment=True,
    )
