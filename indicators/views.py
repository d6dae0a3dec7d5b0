"""Data entry and review in the browser. Views stay thin: access decides who, entry reads, services write."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from indicators import entry, log_hints, reminders, workflow
from indicators.cells import browser_rules
from indicators.completeness import completeness
from indicators.form_xlsx import form_filename, form_upload, form_workbook
from indicators.forms import EntryForm, ReviewActionForm, UploadForm
from indicators.models import Indicator, Submission, SubmissionStatus
from indicators.periods import Period
from indicators.services import NotAllowed, VersionConflict
from organizations import access
from reform_portal.tabular import RowsInvalid, UnreadableFile


def _int_param(request, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() else None


@login_required
def entry_list(request):
    year = _int_param(request, "year")
    if year is not None:
        entry.period_or_404(year, 1)
    overview = entry.entry_overview(user=request.user, year=year)
    return render(request, "indicators/entry_list.html", {"overview": overview})


def _form_url(unit, period: Period) -> str:
    return reverse("indicators:entry_form", args=[unit.code, period.year, period.quarter])


def _render_form(request, page, form, *, upload_form=None, upload_errors=None, status=200):
    log_hints.attach(page.cells, unit=page.unit, period=page.period, user=request.user, form=form)  # the activity log's figures
    context = {
        "log_panel": log_hints.panel(request=request, page=page),
        "page": page,
        "form": form,
        "upload_form": upload_form or UploadForm(),
        "upload_errors": upload_errors or [],
        "review_form": ReviewActionForm(),
        # The service's cell rules, for the script that checks each cell as the user leaves it.
        "rules": browser_rules(c.indicator for c in page.cells),
    }
    return render(request, "indicators/entry_form.html", context, status=status)


@login_required
def entry_form(request, unit_code: str, year: int, quarter: int):
    period = entry.period_or_404(year, quarter)
    if request.method == "POST":
        unit = access.get_unit_for_entry(request.user, unit_code)  # outsider 404, reader 403
    else:
        unit = access.get_unit_for_view(request.user, unit_code)
    page = entry.form_page(unit=unit, period=period, user=request.user)
    form = EntryForm(request.POST if request.method == "POST" else None, cells=page.cells)
    if request.method == "POST":
        submit = request.POST.get("action") == "submit"
        outcome = form.save(unit=unit, period=period, by=request.user, submit=submit, acknowledged="acknowledge" in request.POST)
        if outcome is not None:
            if outcome.needs_ack:
                messages.warning(
                    request,
                    _(
                        "Đã lưu %(n)s ô. Chưa gửi duyệt: có %(w)s cảnh báo về chất lượng số liệu. "
                        "Xem lại các ô được đánh dấu; nếu số liệu đúng, đánh dấu ô xác nhận rồi bấm «Gửi duyệt»."
                    )
                    % {"n": outcome.saved, "w": len(outcome.warnings)},
                )
            elif outcome.submitted:
                messages.success(request, _("Đã gửi báo cáo %(p)s để thẩm định.") % {"p": period.label})
            elif outcome.saved:
                messages.success(request, _("Đã lưu %(n)s ô số liệu.") % {"n": outcome.saved})
            else:
                messages.info(request, _("Không có thay đổi nào để lưu."))
            return redirect(_form_url(unit, period))
        messages.error(request, _("Chưa lưu được: xem các lỗi được đánh dấu bên dưới. Không có số liệu nào bị thay đổi."))
        return _render_form(request, page, form, status=400)
    return _render_form(request, page, form)


@login_required
def entry_xlsx(request, unit_code: str, year: int, quarter: int):
    period = entry.period_or_404(year, quarter)
    unit = access.get_unit_for_view(request.user, unit_code)
    page = entry.form_page(unit=unit, period=period, user=request.user)
    response = HttpResponse(form_workbook(page), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{form_filename(page)}"'
    return response


@login_required
@require_POST
def entry_upload(request, unit_code: str, year: int, quarter: int):
    period = entry.period_or_404(year, quarter)
    unit = access.get_unit_for_entry(request.user, unit_code)
    page = entry.form_page(unit=unit, period=period, user=request.user)
    upload_form = UploadForm(request.POST, request.FILES)
    errors = []
    if upload_form.is_valid():
        f = upload_form.cleaned_data["file"]
        try:
            result = form_upload(page=page, name=f.name, data=f.read(), by=request.user)
        except UnreadableFile as exc:
            errors = [str(exc)]
        except RowsInvalid as exc:
            errors = [str(e) for e in exc.errors]
        except NotAllowed as exc:
            raise PermissionDenied(str(exc))
        except VersionConflict as exc:
            errors = [
                _("Dòng %(r)s (%(i)s): số liệu đã được %(who)s thay đổi sau khi bạn tải biểu mẫu; tải lại biểu mẫu mới.")
                % {"r": c["row"], "i": c["indicator"], "who": c.get("updated_by") or _("người khác")}
                for c in exc.conflicts
            ]
        else:
            messages.success(
                request,
                _("Đã nhận tệp %(f)s: %(n)s ô thay đổi, %(u)s ô giữ nguyên.")
                % {"f": f.name, "n": result.changed, "u": result.unchanged},
            )
            return redirect(_form_url(unit, period))
    messages.error(request, _("Tệp chưa được nhận: không có số liệu nào bị thay đổi."))
    form = EntryForm(cells=page.cells)
    return _render_form(request, page, form, upload_form=upload_form, upload_errors=errors, status=400)


@login_required
def entry_history(request, unit_code: str, year: int, quarter: int):
    period = entry.period_or_404(year, quarter)
    unit = access.get_unit_for_view(request.user, unit_code)
    indicator = None
    if request.GET.get("indicator"):
        indicator = get_object_or_404(Indicator, code=request.GET["indicator"])
    rows = entry.cell_history(unit=unit, period=period, indicator=indicator)
    sub = Submission.objects.filter(org_unit=unit, year=year, quarter=quarter).first()
    events = list(sub.events.select_related("by")) if sub and indicator is None else []
    context = {"unit": unit, "period": period, "indicator": indicator, "rows": rows, "events": events}
    return render(request, "indicators/entry_history.html", context)


# -- review -----------------------------------------------------------------------------------------


@login_required
def review(request):
    if not access.can_read_reports(request.user):
        raise PermissionDenied
    roots = entry.read_roots(request.user)
    year, quarter = _int_param(request, "year"), _int_param(request, "quarter")
    if year is not None and quarter is not None:
        period = entry.period_or_404(year, quarter)
    else:
        period = entry.default_review_period(roots, entry.today())
    status = request.GET.get("status", "")
    if status not in SubmissionStatus.values:
        status = ""
    page = entry.review_page(roots=roots, period=period, status=status, page_number=request.GET.get("page") or 1)
    _with_reminders(page, period)
    log_hints.annotate_submissions(page.pending)  # where figures waiting for approval differ from the activity log
    context = {
        "page": page,
        "review_form": ReviewActionForm(),
        "is_reviewer": bool(access.review_roots(request.user)),
        "years": list(range(period.year - 4, period.year + 2)),
    }
    return render(request, "indicators/review.html", context)


def _with_reminders(page, period: Period) -> None:
    """Each unit that has not reported: how many clerks a reminder reaches, and the last one sent (two queries)."""
    missing = [u for cov in page.coverage for u in cov.missing]
    clerks = reminders.clerks_of([u.unit for u in missing])
    last = reminders.last_reminders([u.unit for u in missing], period)
    for u in missing:
        u.clerk_count = len(clerks.get(u.unit.pk, []))
        u.last_reminder = last.get(u.unit.pk)


REVIEW_ACTIONS = {
    "approve": (workflow.submission_approve, gettext_lazy("Đã phê duyệt báo cáo %(p)s của %(u)s. Số liệu đã được khóa.")),
    "return": (workflow.submission_return, gettext_lazy("Đã trả lại báo cáo %(p)s của %(u)s kèm ý kiến.")),
    "reopen": (workflow.submission_reopen, gettext_lazy("Đã mở lại báo cáo %(p)s của %(u)s để đơn vị sửa.")),
}


@login_required
@require_POST
def review_action(request, unit_code: str, year: int, quarter: int, action: str):
    if action not in REVIEW_ACTIONS:
        raise Http404
    entry.period_or_404(year, quarter)
    unit = access.get_unit_for_view(request.user, unit_code)
    if not access.can_review(request.user, unit):
        raise PermissionDenied
    sub = get_object_or_404(Submission, org_unit=unit, year=year, quarter=quarter)
    form = ReviewActionForm(request.POST)
    service, done = REVIEW_ACTIONS[action]
    if not form.is_valid():
        messages.error(request, "; ".join(str(e) for errs in form.errors.values() for e in errs))
    else:
        try:
            service(submission=sub, by=request.user, comment=form.cleaned_data["comment"])
        except (workflow.WorkflowError, PermissionDenied) as exc:
            # PermissionDenied here is separation of duties (rights were checked above): say why.
            messages.error(request, str(exc))
        else:
            messages.success(request, str(done) % {"p": sub.period.label, "u": unit.name})
    nxt = request.POST.get("next", "")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(nxt)
    return redirect(_form_url(unit, sub.period))


def _review_redirect(request, period: Period):
    nxt = request.POST.get("next", "")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(nxt)
    return redirect(f"{reverse('indicators:review')}?year={period.year}&quarter={period.quarter}")


@login_required
@require_POST
def review_remind(request, unit_code: str, year: int, quarter: int):
    """«Nhắc nhở»: mail the clerks of a unit that has not reported, once per kind (indicators.reminders)."""
    period = entry.period_or_404(year, quarter)
    unit = access.get_unit_for_view(request.user, unit_code)  # outsider, another subtree: 404
    if not access.can_review(request.user, unit):
        raise PermissionDenied  # the unit's own clerk, a leader: 403
    status = next((u for u in completeness(root=unit, year=year, quarter=quarter).units if u.unit.pk == unit.pk), None)
    if status is None:
        messages.info(request, _("%(u)s không phải gửi báo cáo %(p)s.") % {"u": unit.name, "p": period.label})
        return _review_redirect(request, period)
    if status.has_reported:
        messages.info(request, _("%(u)s đã gửi báo cáo %(p)s; không cần nhắc.") % {"u": unit.name, "p": period.label})
        return _review_redirect(request, period)
    outcome = reminders.reminders_send(unit=unit, period=period, kind=reminders.reminder_kind_now(period), by=request.user)
    names = {"u": unit.name, "p": period.label}
    if outcome.sent:
        messages.success(
            request, _("Đã gửi thư nhắc báo cáo %(p)s tới %(n)s cán bộ của %(u)s.") % {**names, "n": len(outcome.sent)}
        )
    if outcome.failed:
        messages.error(
            request,
            _("Chưa gửi được thư nhắc tới %(e)s: máy chủ thư không nhận. Hãy thử lại sau.")
            % {"e": ", ".join(r.email for r, _e in outcome.failed)},
        )
    if outcome.skipped and not outcome.sent and not outcome.failed:
        when = timezone.localtime(max(r.sent_at for r in outcome.skipped)).strftime("%H:%M %d/%m/%Y")
        messages.info(
            request, _("Cán bộ của %(u)s đã được nhắc về báo cáo %(p)s lúc %(t)s; không gửi lại.") % {**names, "t": when}
        )
    if outcome.no_recipient:
        messages.warning(request, _("%(u)s chưa có cán bộ nhập liệu nào có địa chỉ thư; chưa gửi được thư nhắc.") % names)
    return _review_redirect(request, period)
