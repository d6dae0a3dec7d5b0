"""The activity log, evidence and campaign pages. Access is organizations.access, as on the entry pages:
the unit's clerk writes, reviewers and leaders of the subtree read, anyone else gets a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campaigns import selectors, services
from campaigns.evidence import EvidenceRejected, check_size
from campaigns.forms import ActivityForm, EvidenceForm
from campaigns.models import Activity, ActivityChange, Campaign, Evidence
from indicators import entry, workflow
from indicators.models import Indicator, Submission
from indicators.periods import Period, current_period
from indicators.services import NotAllowed
from organizations import access
from organizations.models import OrgUnit
from reform_portal.tabular import RowsInvalid


def _list_url(unit, period: Period) -> str:
    return reverse("campaigns:activity_list", args=[unit.code, period.year, period.quarter])


def _campaign_choices(unit, period: Period) -> list[Campaign]:
    """Campaigns of the quarter's year whose scope covers the unit (a handful a year)."""
    qs = Campaign.objects.filter(year=period.year).select_related("scope_unit")
    return [c for c in qs if unit.path.startswith(c.scope_unit.path) or c.lead_unit_id == unit.pk]


def _frozen_status(unit, period: Period) -> str | None:
    sub = Submission.objects.filter(org_unit=unit, year=period.year, quarter=period.quarter, status__in=services.FROZEN).first()
    return sub.status if sub else None


@login_required
def activity_index(request):
    """Where the log starts: the clerk's units this quarter, or a unit a reviewer or leader picks."""
    code = (request.GET.get("unit") or "").strip()
    period = current_period(entry.today()).previous()
    if code:
        unit = access.get_unit_for_view(request.user, code)
        return redirect(_list_url(unit, period))
    units = list(access.entry_units(request.user).order_by("path"))
    readable = access.can_read_reports(request.user)
    visible = OrgUnit.objects.visible_to(request.user)
    campaigns = (
        Campaign.objects.filter(Q(scope_unit__in=visible) | Q(lead_unit__in=visible)).distinct().select_related("lead_unit")[:50]
    )
    return render(
        request, "campaigns/activity_index.html", {"units": units, "period": period, "readable": readable, "campaigns": campaigns}
    )


def _list_context(request, unit, period, form=None, indicator_code=""):
    activities = list(selectors.quarter_activities(unit=unit, period=period))
    figures = selectors.log_figures(activities)
    shown = activities
    indicator = None
    if indicator_code:
        indicator = Indicator.objects.filter(code=indicator_code).first()
        fig = figures.get(indicator_code)
        shown = fig.activities if fig else []
    can_enter = access.can_enter(request.user, unit)
    frozen = _frozen_status(unit, period)
    editable = can_enter and not frozen
    return {
        "unit": unit,
        "period": period,
        "activities": shown,
        "total": len(activities),
        "figures": sorted(figures.values(), key=lambda f: (f.indicator.section, f.indicator.order)),
        "indicator": indicator,
        "can_enter": can_enter,
        "frozen": frozen,
        "editable": editable,
        "form": form if form is not None else (ActivityForm(campaigns=_campaign_choices(unit, period)) if editable else None),
        "evidence_form": EvidenceForm() if editable else None,
    }


@login_required
def activity_list(request, unit_code: str, year: int, quarter: int):
    """A unit's activities of a quarter, what they add up to, and the quick-add form for its clerk."""
    period = entry.period_or_404(year, quarter)
    if request.method == "POST":
        unit = access.get_unit_for_entry(request.user, unit_code)  # outsider 404, reader 403
        form = ActivityForm(request.POST, campaigns=_campaign_choices(unit, period))
        if form.is_valid():
            try:
                activity = services.activity_save(row=form.row(unit=unit), by=request.user)
            except RowsInvalid as exc:
                form.add_row_errors(exc.errors)
            except NotAllowed as exc:
                raise PermissionDenied(str(exc)) from None
            else:
                messages.success(
                    request,
                    _("Đã ghi hoạt động «%(t)s» (%(p)s).")
                    % {"t": activity.title, "p": Period(activity.year, activity.quarter).label},
                )
                return redirect(_list_url(unit, Period(activity.year, activity.quarter)))
        messages.error(request, _("Chưa ghi được hoạt động: xem các lỗi bên dưới."))
        return render(request, "campaigns/activity_list.html", _list_context(request, unit, period, form=form), status=400)
    unit = access.get_unit_for_view(request.user, unit_code)
    return render(
        request,
        "campaigns/activity_list.html",
        _list_context(request, unit, period, indicator_code=request.GET.get("indicator", "")),
    )


def _activity_or_404(request, unit_code, year, quarter, pk, *, write=False):
    period = entry.period_or_404(year, quarter)
    unit = access.get_unit_for_entry(request.user, unit_code) if write else access.get_unit_for_view(request.user, unit_code)
    activity = get_object_or_404(
        Activity.objects.select_related("campaign", "recorded_by"), pk=pk, org_unit=unit, year=year, quarter=quarter
    )
    return unit, period, activity


def _initial(a: Activity) -> dict:
    return {
        **{k: getattr(a, k) for k in ("kind", "topic", "title", "outlet", "place", "url", "note")},
        **{
            k: "" if getattr(a, k) is None else getattr(a, k)
            for k in ("quantity", "participants", "citizens", "businesses", "officials")
        },
        "date": a.date.strftime("%d/%m/%Y"),
        "end_date": a.end_date.strftime("%d/%m/%Y") if a.end_date else "",
        "campaign": str(a.campaign_id or ""),
    }


@login_required
def activity_edit(request, unit_code: str, year: int, quarter: int, pk: int):
    unit, period, activity = _activity_or_404(request, unit_code, year, quarter, pk, write=request.method == "POST")
    editable = access.can_enter(request.user, unit) and not _frozen_status(unit, period)
    form = ActivityForm(request.POST or None, initial=_initial(activity), campaigns=_campaign_choices(unit, period))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = services.activity_save(row=form.row(unit=unit, activity_id=activity.pk), by=request.user)
            except RowsInvalid as exc:
                form.add_row_errors(exc.errors)
                if not editable:  # the page shows no form then: say why in the message
                    messages.error(request, "; ".join(str(e.message) for e in exc.errors))
            except NotAllowed as exc:
                raise PermissionDenied(str(exc)) from None
            else:
                messages.success(request, _("Đã lưu thay đổi của hoạt động «%(t)s».") % {"t": saved.title})
                return redirect(_list_url(unit, Period(saved.year, saved.quarter)))
        status = 400
    history = ActivityChange.objects.filter(activity_id_kept=activity.pk).select_related("changed_by")
    context = {
        "unit": unit,
        "period": period,
        "activity": activity,
        "form": form,
        "editable": editable,
        "history": history,
        "evidence_form": EvidenceForm() if editable else None,
    }
    return render(request, "campaigns/activity_edit.html", context, status=status)


@login_required
@require_POST
def activity_delete(request, unit_code: str, year: int, quarter: int, pk: int):
    unit, period, activity = _activity_or_404(request, unit_code, year, quarter, pk, write=True)
    try:
        services.activity_delete(activity=activity, by=request.user)
    except RowsInvalid as exc:
        messages.error(request, "; ".join(str(e.message) for e in exc.errors))
    else:
        messages.success(request, _("Đã xóa hoạt động «%(t)s».") % {"t": activity.title})
    return redirect(_list_url(unit, period))


def _attach(request, *, redirect_to, **target):
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "; ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect(redirect_to)
    f = form.cleaned_data.get("file")
    try:
        if f:
            check_size(name=f.name, size=f.size)  # before reading a large upload into memory
            ev = services.evidence_attach(
                by=request.user, name=f.name, data=f.read(), description=form.cleaned_data["description"], **target
            )
        else:
            ev = services.evidence_attach(
                by=request.user, url=form.cleaned_data["url"], description=form.cleaned_data["description"], **target
            )
    except EvidenceRejected as exc:
        messages.error(request, _("Chưa đính kèm được: %(e)s") % {"e": exc})
    except NotAllowed as exc:
        raise PermissionDenied(str(exc)) from None
    else:
        messages.success(request, _("Đã đính kèm «%(n)s».") % {"n": ev.name})
    return redirect(redirect_to)


@login_required
@require_POST
def activity_evidence(request, unit_code: str, year: int, quarter: int, pk: int):
    unit, period, activity = _activity_or_404(request, unit_code, year, quarter, pk, write=True)
    return _attach(
        request,
        redirect_to=request.POST.get("back") == "list"
        and _list_url(unit, period)
        or reverse("campaigns:activity_edit", args=[unit.code, year, quarter, pk]),
        activity=activity,
    )


@login_required
@require_POST
def quarter_evidence(request, unit_code: str, year: int, quarter: int):
    """Evidence for the whole quarterly report (target "submission") or for one figure (target = indicator code)."""
    period = entry.period_or_404(year, quarter)
    unit = access.get_unit_for_entry(request.user, unit_code)
    back = reverse("indicators:entry_form", args=[unit.code, year, quarter])
    target = request.POST.get("target", "submission")
    if target == "submission":
        return _attach(request, redirect_to=back, submission=workflow.submission_for(org_unit=unit, year=year, quarter=quarter))
    indicator = get_object_or_404(Indicator.objects.active().reported_by(unit.kind), code=target)
    return _attach(request, redirect_to=back, cell=(unit, indicator, period.year, period.quarter))


@login_required
def evidence_download(request, pk: int):
    """The only way out for an evidence file: the unit's access rules, always as a download, never sniffed or rendered."""
    ev = get_object_or_404(Evidence.objects.filter(org_unit__in=OrgUnit.objects.visible_to(request.user)), pk=pk)
    if not ev.file:
        raise Http404
    response = FileResponse(
        ev.file.open("rb"), as_attachment=True, filename=ev.name, content_type=ev.content_type or "application/octet-stream"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def campaign_detail(request, pk: int):
    visible = OrgUnit.objects.visible_to(request.user)
    campaign = get_object_or_404(Campaign.objects.filter(Q(scope_unit__in=visible) | Q(lead_unit__in=visible)).distinct(), pk=pk)
    return render(request, "campaigns/campaign_detail.html", selectors.campaign_page(campaign=campaign, user=request.user))
