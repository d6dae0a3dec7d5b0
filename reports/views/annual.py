"""The annual report: the page, its downloads, and the reviewers' narrative editor.

Who: reviewers and leaders (`access.can_read_reports`) on a unit they can see;
an outsider gets 404 (the unit is looked up in the user's visible units), a
clerk 403. The narrative is written by reviewers of the unit (`can_review`).
"""

import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Max
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from indicators.aggregation import Layer
from indicators.models import DataValue
from indicators.periods import YEAR_MAX, YEAR_MIN, Quarter, current_period
from organizations import access
from organizations.models import OrgUnit
from reports import render_docx, render_xlsx
from reports.annual import annual_report
from reports.forms import PLACEHOLDER_HELP, NarrativeForm, directive_formset
from reports.models import Narrative
from reports.narrative import NarrativePublished, PublishNeedsReason, narrative_publish, narrative_save, publication_check

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
RENDERERS = {"xlsx": render_xlsx, "docx": render_docx}
# A download is written once, into a temporary file that stays in memory up to this size and moves to
# disk beyond it, and sent from there in blocks: never a second copy of the document as a response body.
SPOOL_BYTES = 1024 * 1024


class BadRequest(Exception):
    pass


def _report_unit(request) -> OrgUnit:
    code = request.GET.get("unit")
    unit = access.get_unit_for_view(request.user, code) if code else access.home_unit(request.user)
    if unit is None:
        raise Http404
    if not access.can_read_reports(request.user):
        raise PermissionDenied
    return unit


def _year(year: int) -> int:
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise Http404
    return year


def _quarter(request) -> int:
    q = request.GET.get("quarter") or "4"
    if q not in {"1", "2", "3", "4"}:
        raise BadRequest(_("Quý phải là 1, 2, 3 hoặc 4."))
    return int(q)


def _bad(request, message: str) -> HttpResponse:
    return render(request, "reports/annual_error.html", {"message": message}, status=400)


def _layer(request, unit: OrgUnit) -> str:
    """Official unless a reviewer of the unit asks (?status=submitted|all); anyone else asking: 403."""
    layer = request.GET.get("status") or Layer.OFFICIAL
    if layer not in Layer.values:
        raise BadRequest(_("Lớp số liệu chỉ có thể là official, submitted hoặc all."))
    if layer != Layer.OFFICIAL and not access.can_see_provisional(request.user, unit):
        raise PermissionDenied
    return layer


def _query(unit: OrgUnit, quarter: int, layer: str = Layer.OFFICIAL) -> str:
    return (
        f"?unit={unit.code}"
        + (f"&quarter={quarter}" if quarter != 4 else "")
        + (f"&status={layer}" if layer != Layer.OFFICIAL else "")
    )


@login_required
def annual_index(request):
    """The latest year that has data."""
    _report_unit(request)
    year = DataValue.objects.aggregate(y=Max("year"))["y"] or current_period().year
    return redirect("reports:annual", year)


@login_required
def annual(request, year: int):
    unit, year = _report_unit(request), _year(year)
    try:
        quarter, layer = _quarter(request), _layer(request, unit)
    except BadRequest as e:
        return _bad(request, str(e))
    report = annual_report(org_unit=unit, year=year, quarter=quarter, layer=layer)
    units = OrgUnit.objects.visible_to(request.user).filter(depth__lte=unit.depth + 1).order_by("path")
    return render(
        request,
        "reports/annual.html",
        {
            "report": report,
            "unit": unit,
            "units": units[:300],
            "quarters": Quarter.choices,
            "query": _query(unit, quarter, layer),
            "can_edit": access.can_review(request.user, unit),
            "layers": Layer.choices if access.can_see_provisional(request.user, unit) else None,
        },
    )


@login_required
def annual_download(request, year: int, fmt: str):
    unit, year = _report_unit(request), _year(year)
    try:
        quarter, layer = _quarter(request), _layer(request, unit)
    except BadRequest as e:
        return _bad(request, str(e))
    report = annual_report(org_unit=unit, year=year, quarter=quarter, layer=layer)
    f = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (the response closes it)
    try:
        RENDERERS[fmt].write(report, f)
        f.seek(0)
    except BaseException:
        f.close()
        raise
    suffix = (f"-q{quarter}" if quarter != 4 else "") + (f"-{layer}" if layer != Layer.OFFICIAL else "")
    # FileResponse closes the file once sent, sets Content-Length and `attachment; filename="…"`.
    return FileResponse(
        f, as_attachment=True, filename=f"bao-cao-{year}{suffix}-{unit.code}.{fmt}", content_type=CONTENT_TYPES[fmt]
    )


@login_required
def narrative_edit(request, year: int):
    unit, year = _report_unit(request), _year(year)
    if not access.can_review(request.user, unit):
        raise PermissionDenied
    instance = Narrative.objects.filter(org_unit=unit, year=year).first()
    data = request.POST if request.method == "POST" else None
    form = NarrativeForm(data=data, instance=instance)
    directives = directive_formset(org_unit=unit, year=year, data=data)
    if request.method == "POST":
        if form.is_valid() and directives.is_valid():
            try:
                narrative_save(org_unit=unit, year=year, form=form, directives=directives, by=request.user)
            except NarrativePublished:
                messages.error(
                    request, _("Báo cáo năm %(y)s đã phát hành nên không sửa được; hủy phát hành trước khi sửa.") % {"y": year}
                )
                return redirect(reverse("reports:annual", args=[year]) + _query(unit, 4))
            messages.success(request, _("Đã lưu nội dung báo cáo năm %(y)s.") % {"y": year})
            return redirect(reverse("reports:annual", args=[year]) + _query(unit, 4))
        messages.error(request, _("Chưa lưu: kiểm tra các lỗi bên dưới."))
    return render(
        request,
        "reports/narrative_form.html",
        {"form": form, "directives": directives, "unit": unit, "year": year, "help": PLACEHOLDER_HELP, "query": _query(unit, 4)},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def publish(request, year: int):
    """Publish the year's report (its words freeze), or withdraw it with `action=withdraw`.

    GET is the confirmation page: the report's coverage, the quarters still not
    approved, and the reason that publishing them incomplete requires.
    """
    unit, year = _report_unit(request), _year(year)
    if not access.can_review(request.user, unit):
        raise PermissionDenied
    withdraw = request.POST.get("action") == "withdraw"
    error = ""
    if request.method == "POST":
        try:
            narrative_publish(
                org_unit=unit, year=year, by=request.user, publish=not withdraw, reason=request.POST.get("reason", "")
            )
        except PublishNeedsReason as exc:
            error = str(exc)
        else:
            if withdraw:
                messages.success(request, _("Đã hủy phát hành báo cáo năm %(y)s; có thể sửa nội dung.") % {"y": year})
            else:
                messages.success(request, _("Đã phát hành báo cáo năm %(y)s.") % {"y": year})
            return redirect(reverse("reports:annual", args=[year]) + _query(unit, 4))
    check = publication_check(org_unit=unit, year=year)
    return render(
        request,
        "reports/publish_confirm.html",
        {
            "unit": unit,
            "year": year,
            "check": check,
            "error": error,
            "reason": request.POST.get("reason", ""),
            "query": _query(unit, 4),
        },
        status=400 if error else 200,
    )
