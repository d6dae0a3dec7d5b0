"""The submission workflow: draft → submitted → approved, or submitted → returned → submitted…

Submitting freezes the quarter's values until it is returned or approved;
approval locks them (checked in indicators.services under the same row lock
as every step here); only a reviewer of the unit's subtree can reopen it, with
a reason. Nobody approves a quarter they submitted or entered values in. Every step is
kept as a SubmissionEvent with who, when and the comment.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.models import Channel, Submission, SubmissionEvent, SubmissionStatus, ValueChange
from indicators.periods import unit_closed_message
from organizations import access

S = SubmissionStatus


class WorkflowError(Exception):
    """The step is not possible from the submission's current state; the message says why."""


def submission_for(*, org_unit, year: int, quarter: int) -> Submission:
    """The unit's submission for the quarter, created as a draft on first use."""
    sub, _created = Submission.objects.get_or_create(org_unit=org_unit, year=year, quarter=quarter)
    return sub


def _step(sub: Submission, *, action: str, allowed_from: set, to: str, by, comment: str, channel: str) -> Submission:
    # The same row lock every writer of the quarter's values takes (indicators.services.quarters_lock).
    sub = Submission.objects.select_for_update().get(pk=sub.pk)
    if closed := unit_closed_message(sub.org_unit, sub.period):  # no step for a quarter the unit was not open
        raise WorkflowError(closed)
    if sub.status not in allowed_from:
        raise WorkflowError(
            _("Không thể «%(a)s» báo cáo đang ở trạng thái «%(s)s».")
            % {"a": ACTION_LABELS[action], "s": sub.get_status_display()}
        )
    if action == "approve":
        _check_separation_of_duties(sub, by)
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


def _check_separation_of_duties(sub: Submission, by) -> None:
    """Nobody approves a quarter they submitted or entered values in — superusers included."""
    if by is None or not by.is_authenticated:
        return
    entered = ValueChange.objects.filter(org_unit_id=sub.org_unit_id, year=sub.year, quarter=sub.quarter, changed_by=by).exists()
    if sub.submitted_by_id == by.pk or entered:
        raise PermissionDenied(
            _("Bạn không thể phê duyệt báo cáo do chính mình gửi hoặc nhập số liệu; cần một cán bộ thẩm định khác.")
        )


# Lazy: the labels are looked up when a message is made, in the language of that request.
ACTION_LABELS = {
    "submit": gettext_lazy("gửi duyệt"),
    "approve": gettext_lazy("phê duyệt"),
    "return": gettext_lazy("trả lại"),
    "reopen": gettext_lazy("mở lại"),
    "import": gettext_lazy("phê duyệt khi nạp số liệu"),
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
