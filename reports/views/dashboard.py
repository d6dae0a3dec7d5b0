"""The leadership dashboard (`/` for leaders and reviewers) and its drill-down into a figure's sources."""

from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _

from indicators.aggregation import Layer, provisional_note
from indicators.models import Indicator, Section
from indicators.periods import YEAR_MAX, YEAR_MIN, Quarter
from organizations import access
from organizations.models import OrgUnit
from reports import dashboard as selectors

WHOLE_NUMBER = {"invalid": _("Năm phải là một số nguyên, ví dụ 2018.")}


class DashboardFilters(forms.Form):
    """The query string of the dashboard. A bad field falls back to its default and says why."""

    unit = forms.CharField(label=_("Đơn vị"), max_length=40, required=False)
    year = forms.IntegerField(
        label=_("Năm"),
        min_value=YEAR_MIN,
        max_value=YEAR_MAX,
        required=False,
        error_messages={
            **WHOLE_NUMBER,
            "min_value": _("Năm phải từ %(limit_value)s trở đi."),
            "max_value": _("Năm phải không quá %(limit_value)s."),
        },
    )
    quarter = forms.TypedChoiceField(
        label=_("Đến hết quý"),
        choices=[("", _("Cả năm")), *Quarter.choices],
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": _("Quý phải là 1, 2, 3 hoặc 4.")},
    )
    section = forms.ChoiceField(
        label=_("Phần"),
        choices=[("", _("Cả hai phần")), *Section.choices],
        required=False,
        error_messages={"invalid_choice": _("Phần chỉ có thể là A hoặc B.")},
    )
    indicator = forms.SlugField(label=_("Chỉ tiêu của biểu đồ"), max_length=60, required=False)
    years = forms.IntegerField(
        label=_("Số năm của xu hướng"),
        min_value=1,
        max_value=selectors.MAX_TREND_YEARS,
        required=False,
        error_messages={
            "invalid": _("Số năm phải là một số nguyên từ 1 đến 10."),
            "min_value": _("Số năm phải từ 1 đến 10."),
            "max_value": _("Số năm phải từ 1 đến 10."),
        },
    )

    status = forms.ChoiceField(
        label=_("Lớp số liệu"),
        choices=Layer.choices,
        required=False,
        error_messages={"invalid_choice": _("Lớp số liệu chỉ có thể là official, submitted hoặc all.")},
    )

    def values(self) -> dict:
        """Valid fields only; an invalid one is left out so its default applies."""
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


def _period(params: dict):
    span = selectors.data_years()
    latest = selectors.default_period(span)
    year = params.get("year", latest.year)
    # Without a quarter: the latest quarter with data in the latest year, the whole year otherwise.
    quarter = params.get("quarter") or (latest.quarter if year == latest.year else 4)
    years = list(range(span[0], max(span[1], year) + 1)) if span else [year]
    return year, quarter, years


def _unit(user, params: dict) -> OrgUnit | None:
    if params.get("unit"):
        return access.get_unit_for_view(user, params["unit"])  # outside the user's subtree: 404
    return access.home_unit(user)


def _layer(user, unit: OrgUnit, params: dict) -> str:
    """Official figures unless a reviewer of the unit asks for another layer (anyone else: 403, not a quiet fallback)."""
    layer = params.get("status") or Layer.OFFICIAL
    if layer != Layer.OFFICIAL and not access.can_see_provisional(user, unit):
        raise PermissionDenied
    return layer


def _ancestors(user, unit: OrgUnit) -> list[OrgUnit]:
    """The unit's ancestors the user may read, top first (the breadcrumb and the unit selector)."""
    codes = unit.ancestor_codes()[:-1]
    found = {u.code: u for u in OrgUnit.objects.visible_to(user).filter(code__in=codes)}
    return [found[c] for c in codes if c in found]


@login_required
def dashboard_page(request):
    if not access.can_read_reports(request.user):
        raise PermissionDenied
    form = DashboardFilters(request.GET or None)
    params = form.values() if request.GET else {}
    unit = _unit(request.user, params)
    if unit is None:
        return render(request, "reports/dashboard_empty.html", status=200)
    year, quarter, years = _period(params)
    layer = _layer(request.user, unit, params)
    board = selectors.dashboard(
        unit=unit,
        year=year,
        quarter=quarter,
        section=params.get("section"),
        chart_code=params.get("indicator"),
        trend_years=params.get("years", selectors.TREND_YEARS),
        layer=layer,
    )
    keep = {"year": year, "quarter": quarter}
    if layer != Layer.OFFICIAL:
        keep["status"] = layer
    if board.section:
        keep["section"] = board.section
    chart_keep = {**keep, "indicator": board.chart_indicator.code}
    context = {
        "form": form,
        "board": board,
        "unit": unit,
        "ancestors": _ancestors(request.user, unit),
        "years": years,
        "quarters": Quarter.choices,
        "sections": [("", selectors.SECTION_LABELS[None]), *Section.choices],
        "keep": urlencode(chart_keep),
        "period_keep": urlencode(keep),
        "figure_keep": urlencode({"unit": unit.code, **keep}),
        "trend_years": params.get("years", selectors.TREND_YEARS),
        "layers": Layer.choices if access.can_see_provisional(request.user, unit) else None,
    }
    return render(request, "reports/home.html", context)


@login_required
def figure_detail(request, code: str):
    """Which units and which quarters make one figure of the dashboard."""
    form = DashboardFilters(request.GET or None)
    params = form.values() if request.GET else {}
    unit = _unit(request.user, params)  # a unit the user cannot see: 404
    if unit is None or not access.can_read_reports(request.user):
        raise PermissionDenied  # a clerk sees their own unit's form, not the dashboards: 403
    indicator = get_object_or_404(Indicator.objects.select_related("group"), code=code)
    year, quarter, _years = _period(params)
    layer = _layer(request.user, unit, params)
    sources = selectors.figure_sources(unit=unit, indicator=indicator, year=year, quarter=quarter, layer=layer)
    context = {
        "src": sources,
        "form": form,
        "unit": unit,
        "back": urlencode(
            {"unit": unit.code, "year": year, "quarter": quarter, **({"status": layer} if layer != Layer.OFFICIAL else {})}
        ),
        "provisional_note": provisional_note(layer),
    }
    return render(request, "reports/dashboard_figure.html", context)
