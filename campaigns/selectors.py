"""Reading the activity log: a quarter's activities, what they add up to per indicator, a campaign's progress.

`log_figures` is the one place the kind→indicator rules (KindIndicator) are applied; the entry form's
hints, the check that a differing figure has a note, the campaign page and the report's sentences
all call it.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from campaigns.models import Activity, Evidence, KindIndicator
from indicators.entry import number_display
from indicators.periods import Period


@dataclass
class LogFigure:
    indicator: object
    value: int = 0
    activities: list = field(default_factory=list)


def _rules() -> dict[str, list[KindIndicator]]:
    out = defaultdict(list)
    for rule in KindIndicator.objects.select_related("indicator"):
        out[rule.kind].append(rule)
    return out


def log_figures(activities, rules=None) -> dict[str, LogFigure]:
    """What a set of activities adds up to, per indicator code (only indicators some activity feeds)."""
    rules = _rules() if rules is None else rules
    out: dict[str, LogFigure] = {}
    for a in activities:
        for rule in rules.get(a.kind, []):
            if rule.applies_to(a):
                fig = out.setdefault(rule.indicator.code, LogFigure(rule.indicator))
                fig.value += rule.amount(a)
                fig.activities.append(a)
    return out


def quarter_activities(*, unit, period: Period):
    return (
        Activity.objects.filter(org_unit=unit, year=period.year, quarter=period.quarter)
        .select_related("campaign", "recorded_by")
        .prefetch_related("evidence")
        .order_by("date", "id")
    )


def summary(figures: dict[str, LogFigure], activities) -> str:
    """ "5 lớp, 1.020 lượt người": every figure the given activities make, in the form's order."""
    ids = {a.pk for a in activities}
    parts = []
    for fig in sorted(figures.values(), key=lambda f: (f.indicator.section, f.indicator.group.order, f.indicator.order)):
        mine = [a for a in fig.activities if a.pk in ids]
        if not mine:
            continue
        total = sum(r.amount(a) for a in mine for r in _applying(fig.indicator, a))
        parts.append(f"{number_display(total)} {fig.indicator.unit_vi}")
    return ", ".join(parts)


def _applying(indicator, activity):
    return [r for r in activity._rules if r.indicator_id == indicator.pk]


def hints_for(*, unit, period: Period, indicators, user=None) -> dict:
    """The entry form's annotations: per indicator the log's figure, its wording, the link and the evidence.

    One query when the quarter has no activity; three otherwise (activities, rules, evidence).
    """
    from indicators.log_hints import Hint

    codes = {i.code for i in indicators}
    activities = list(Activity.objects.filter(org_unit=unit, year=period.year, quarter=period.quarter).order_by("date", "id"))
    if not activities:
        return {}
    rules = _rules()
    for a in activities:
        a._rules = [r for r in rules.get(a.kind, []) if r.applies_to(a)]
    figures = {c: f for c, f in log_figures(activities, rules).items() if c in codes}
    by_code = {i.code: i for i in indicators}
    for fig in figures.values():
        fig.indicator = by_code[fig.indicator.code]  # the form's own, with its group loaded
    # One query for the evidence behind every hint: the figures' own and their activities'.
    cell_evidence, activity_evidence = defaultdict(list), defaultdict(list)
    q = Q(org_unit=unit, year=period.year, quarter=period.quarter, indicator__isnull=False) | Q(activity__in=activities)
    for ev in Evidence.objects.filter(q).select_related("indicator").order_by("uploaded_at", "id"):
        if ev.activity_id:
            activity_evidence[ev.activity_id].append(ev)
        else:
            cell_evidence[ev.indicator.code].append(ev)
    base = reverse("campaigns:activity_list", args=[unit.code, period.year, period.quarter])
    out = {}
    for code, fig in figures.items():
        evidence = [ev for a in fig.activities for ev in activity_evidence[a.pk]] + cell_evidence.get(code, [])
        out[code] = Hint(
            value=Decimal(fig.value),
            summary=summary(figures, fig.activities),
            url=f"{base}?indicator={code}",
            activities=len(fig.activities),
            evidence=[(ev.name or ev.url, evidence_url(ev)) for ev in evidence],
        )
    return out


def evidence_url(ev: Evidence) -> str:
    return reverse("campaigns:evidence_download", args=[ev.pk]) if ev.file else ev.url


def sums_for(*, cells) -> dict:
    """The log's figure for many (unit_id, indicator_id, year, quarter) cells; cells without activities are absent.

    One query when none of the cells' quarters has an activity (values written without a log), two otherwise.
    """
    periods = {(c[0], c[2], c[3]) for c in cells}
    # IN lists rather than one OR per quarter: an import of thousands of cells stays one short query.
    qs = Activity.objects.filter(org_unit_id__in={p[0] for p in periods}, year__in={p[1] for p in periods})
    by_period = defaultdict(list)
    for a in qs.only("id", "org_unit_id", "year", "quarter", "kind", "topic", "quantity", "participants"):
        if (a.org_unit_id, a.year, a.quarter) in periods:
            by_period[(a.org_unit_id, a.year, a.quarter)].append(a)
    if not by_period:
        return {}
    rules = _rules()
    out = {}
    for (unit_id, year, quarter), acts in by_period.items():
        totals = defaultdict(int)
        for a in acts:
            for rule in rules.get(a.kind, []):
                if rule.applies_to(a):
                    totals[rule.indicator_id] += rule.amount(a)
        for ind_id, total in totals.items():
            if (unit_id, ind_id, year, quarter) in cells:
                out[(unit_id, ind_id, year, quarter)] = Decimal(total)
    return out


def differences(*, submissions) -> dict[int, int]:
    """For the review queue: per submission id, how many of its stored figures differ from the log.

    One query when none of the quarters has activities (the usual case), three otherwise.
    """
    from indicators.models import DataValue

    keys = {(s.org_unit_id, s.year, s.quarter): s.pk for s in submissions}
    if not keys:
        return {}
    q = Q(pk__in=[])
    for unit_id, year, quarter in keys:
        q |= Q(org_unit_id=unit_id, year=year, quarter=quarter)
    acts = list(
        Activity.objects.filter(q).only("id", "org_unit_id", "year", "quarter", "kind", "topic", "quantity", "participants")
    )
    if not acts:
        return {}
    rules = _rules()
    logged: dict[tuple, int] = defaultdict(int)
    for a in acts:
        for rule in rules.get(a.kind, []):
            if rule.applies_to(a):
                logged[(a.org_unit_id, rule.indicator_id, a.year, a.quarter)] += rule.amount(a)
    vq = Q(pk__in=[])
    for unit_id, year, quarter in {(a.org_unit_id, a.year, a.quarter) for a in acts}:
        vq |= Q(org_unit_id=unit_id, year=year, quarter=quarter)
    stored = {(v.org_unit_id, v.indicator_id, v.year, v.quarter): v.value for v in DataValue.objects.filter(vq)}
    out: dict[int, int] = defaultdict(int)
    for key, log_value in logged.items():
        if stored.get(key) is None or Decimal(stored[key]) != log_value:
            out[keys[(key[0], key[2], key[3])]] += 1
    return dict(out)


class LogProvider:
    """What campaigns registers with indicators.log_hints (see CampaignsConfig.ready)."""

    def hints(self, *, unit, period, indicators, user=None):
        return hints_for(unit=unit, period=period, indicators=indicators, user=user)

    def sums(self, *, cells):
        return sums_for(cells=cells)

    def differences(self, *, submissions):
        return differences(submissions=submissions)

    def panel(self, *, request, page):
        return quarter_panel(request=request, page=page)


def quarter_evidence(*, unit, period: Period, submission=None):
    """Every evidence item of a unit's quarter: its figures', its activities', and the report's (`submission`, if any)."""
    sub = submission
    q = Q(org_unit=unit, year=period.year, quarter=period.quarter, indicator__isnull=False)
    q |= Q(activity__org_unit=unit, activity__year=period.year, activity__quarter=period.quarter)
    if sub:
        q |= Q(submission=sub)
    return Evidence.objects.filter(q).select_related("indicator", "activity").order_by("uploaded_at", "id")


def quarter_panel(*, request, page) -> str:
    from django.template.loader import render_to_string

    period, unit = page.period, page.unit
    context = {
        "unit": unit,
        "period": period,
        "evidence": list(quarter_evidence(unit=unit, period=period, submission=page.submission)),
        "editable": page.can_enter and page.unit_open and not page.is_locked,
        "cells": page.cells,
    }
    return render_to_string("campaigns/includes/quarter_panel.html", context, request=request)


# -- a campaign's page ---------------------------------------------------------------------------


@dataclass
class TargetRow:
    target: object
    actual: object  # indicators.aggregation.Figure
    rate: Decimal | None
    logged: int | None  # what the campaign's own activities add up to
    activities: list


def campaign_page(*, campaign, user) -> dict:
    """Plan vs actual per target (official figures of the scope unit), the campaign's activities behind each, a timeline."""
    from indicators.aggregation import Rollup
    from organizations.access import visible_units_q

    activities = list(
        Activity.objects.filter(campaign=campaign)
        .filter(**{"org_unit__in": _visible_units(user, visible_units_q)})
        .select_related("org_unit")
        .prefetch_related("evidence")
        .order_by("date", "id")
    )
    rules = _rules()
    figures = log_figures(activities, rules)
    targets = list(
        campaign.targets.select_related("indicator", "indicator__group").order_by("indicator__section", "indicator__order")
    )
    (rollup,) = Rollup.many(root=campaign.scope_unit, periods=[(campaign.year, 1, 4)], indicators=[t.indicator for t in targets])
    rows = []
    for t in targets:
        actual = rollup.figure(t.indicator)
        n = actual.number
        fig = figures.get(t.indicator.code)
        rows.append(
            TargetRow(
                target=t,
                actual=actual,
                rate=None if n is None else n * 100 / t.value,
                logged=fig.value if fig else None,
                activities=fig.activities if fig else [],
            )
        )
    return {"campaign": campaign, "rows": rows, "timeline": activities}


def _visible_units(user, visible_units_q):
    from organizations.models import OrgUnit

    return OrgUnit.objects.filter(visible_units_q(user))


def year_log_sentence(*, unit, year: int, quarter: int = 4) -> str:
    """A sentence of section A from the logged activities of the unit's subtree ("… tổ chức 05 lớp tập huấn cho trên 1.000…").

    Only quarters 1..`quarter` whose reports are approved count, like the report's official figures (an
    approved quarter also freezes its log). Empty when nothing of the kinds it names was logged.
    """
    from django.db.models import Exists, OuterRef

    from indicators.models import Submission, SubmissionStatus
    from organizations.models import OrgUnit

    approved = Submission.objects.filter(
        org_unit=OuterRef("org_unit"), year=OuterRef("year"), quarter=OuterRef("quarter"), status=SubmissionStatus.APPROVED
    )
    acts = list(
        Activity.objects.filter(year=year, quarter__lte=quarter, org_unit__in=OrgUnit.objects.subtree_of(unit))
        .filter(Exists(approved))
        .only("kind", "topic", "quantity", "participants", "org_unit_id")
    )
    if not acts:
        return ""
    figures = log_figures(acts)
    parts = []
    classes = figures.get("online_service_training_classes")
    trainees = figures.get("online_service_trainees")
    if classes:
        text = _("tổ chức %(n)s lớp tập huấn về dịch vụ công trực tuyến") % {"n": f"{classes.value:02d}"}
        if trainees:
            low = _floor(trainees.value)
            if low < trainees.value:
                text += " " + _("cho trên %(p)s lượt người dân, doanh nghiệp") % {"p": number_display(low)}
            else:
                text += " " + _("cho %(p)s lượt người dân, doanh nghiệp") % {"p": number_display(low)}
        parts.append(text)
    leaflets = figures.get("online_service_leaflets")
    if leaflets:
        parts.append(_("phát hành %(n)s tờ rơi về dịch vụ công trực tuyến") % {"n": number_display(leaflets.value)})
    clips = figures.get("social_media_posts")
    if clips:
        parts.append(_("đăng %(n)s video clip, bài viết trên mạng xã hội") % {"n": number_display(clips.value)})
    if not parts:
        return ""
    n = len({a.org_unit_id for a in acts})
    return _("Theo nhật ký hoạt động của %(u)s đơn vị: %(what)s.") % {"u": n, "what": "; ".join(parts)}


def _floor(n: int) -> int:
    """Round down to a round figure for "trên 1.000 người" (at least two significant digits)."""
    if n < 100:
        return n
    step = 10 ** (len(str(n)) - 2) if n < 10_000 else 10 ** (len(str(n)) - 1)
    return n // step * step


@dataclass
class EvidenceLine:
    indicator: object
    items: list  # Evidence, with .org_unit


def year_evidence(*, unit, year: int, quarter: int = 4) -> list[EvidenceLine]:
    """For the annual report's appendix: per indicator, the evidence behind the year's figures in the subtree.

    A figure's own evidence, and that of the activities that feed it (by the kind rules). Three queries.
    """
    from organizations.models import OrgUnit

    subtree = OrgUnit.objects.subtree_of(unit)
    items = list(
        Evidence.objects.filter(org_unit__in=subtree)
        .filter(
            Q(year=year, quarter__lte=quarter, indicator__isnull=False) | Q(activity__year=year, activity__quarter__lte=quarter)
        )
        .select_related("org_unit", "indicator", "activity")
        .order_by("org_unit__path", "uploaded_at", "id")
    )
    if not items:
        return []
    rules = _rules()
    by_code: dict[str, EvidenceLine] = {}
    for ev in items:
        if ev.indicator_id:
            targets = [ev.indicator]
        else:
            targets = [r.indicator for r in rules.get(ev.activity.kind, []) if r.applies_to(ev.activity)]
        for ind in targets:
            by_code.setdefault(ind.code, EvidenceLine(ind, [])).items.append(ev)
    return sorted(by_code.values(), key=lambda ln: (ln.indicator.section, ln.indicator.order))
