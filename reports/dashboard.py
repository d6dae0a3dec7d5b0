"""Selectors of the leadership dashboard: tiles, trend, ranking, composition, heat table, drill-down.

Every figure comes from `indicators.aggregation.Rollup` (the portal's one
aggregation rule) and reporting completeness from `indicators.completeness`;
nothing here adds values up on its own.

Cost of `dashboard()`, whatever the size of the tree: the year and the same
period of the year before (`Rollup.many`: units and values, two queries), the
trend's quarters (two more), the children's names, the targets and completeness
(three queries).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.db.models import Max, Min
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.services import Progress, targets_for
from indicators import figure_cache
from indicators.aggregation import Comparison, Coverage, Figure, Layer, Rollup, compare, provisional_note, values_in_layer
from indicators.completeness import Completeness, completeness
from indicators.formatting import NO_DATA, number, percent
from indicators.models import DataValue, Indicator, IndicatorGroup, Section, TimeAggregation, ValueType
from indicators.periods import Period, current_period
from organizations.models import OrgUnit, UnitKind

# The headline figures, in the order leaders read them (e-government first, then outreach).
TILE_CODES = [
    "level3_services_province_district",
    "online_dossiers",
    "edoc_exchange_rate",
    "commune_websites",
    "tv_radio_bulletins",
    "provincial_newspaper_articles",
    "online_service_trainees",
    "grassroots_radio_broadcasts",
]
# Columns of the heat table: figures every level of the tree reports, so units can be compared.
HEAT_CODES = [
    "online_dossiers",
    "edoc_exchange_rate",
    "commune_websites",
    "website_articles",
    "leaflets_issued",
    "legal_outreach_sessions",
    "online_service_trainees",
    "grassroots_radio_broadcasts",
]
# The indicator of the trend and ranking charts when the user has not chosen one.
DEFAULT_CHART = {None: "website_articles", "A": "website_articles", "B": "commune_websites"}
# The composition chart adds up outreach *items* (bulletins, articles, posts, broadcasts) per channel;
# leaflets, classes and trainees are counted in other units and would drown the rest.
OUTREACH_ITEM_UNITS = {"bản tin", "số", "tin bài", "bài", "lượt"}
TREND_YEARS = 3
MAX_TREND_YEARS = 10
# A change of at least this much (percent for counts, points for rates) is a strong colour in the heat table.
STRONG_CHANGE = Decimal(10)
STRONG_CHANGE_POINTS = Decimal(5)


# -- period ---------------------------------------------------------------------------------------
def data_years() -> tuple[int, int] | None:
    """First and last year that have values anywhere (one index-only query)."""
    span = DataValue.objects.aggregate(lo=Min("year"), hi=Max("year"))
    return None if span["lo"] is None else (span["lo"], span["hi"])


def default_period(span: tuple[int, int] | None) -> Period:
    """The latest quarter that has data (so a leader lands on figures, not on an empty quarter)."""
    if span is None:
        return current_period()
    year = span[1]
    quarter = DataValue.objects.filter(year=year).aggregate(q=Max("quarter"))["q"] or 4
    return Period(year, quarter)


def period_label(year: int, quarter: int) -> str:
    if quarter == 4:
        return _("Năm %(year)s") % {"year": year}
    return _("Năm %(year)s, lũy kế đến hết %(quarter)s") % {"year": year, "quarter": Period(year, quarter).label.split("/")[0]}


# The not-yet-reported list, grouped as the province's office reads it.
MISSING_GROUPS = [
    (gettext_lazy("Sở, ban, ngành"), {UnitKind.DEPARTMENT, UnitKind.CENTRAL_AGENCY}),
    (gettext_lazy("Cơ quan báo chí"), {UnitKind.PRESS}),
    (gettext_lazy("Địa phương"), {UnitKind.PROVINCE, UnitKind.DISTRICT, UnitKind.COMMUNE}),
]


def subtree_kinds(unit: OrgUnit, year: int) -> frozenset[str]:
    """Kinds of the units of unit's subtree open during the year (one query, once per data version): which
    indicators it reports. A national subtree is tens of thousands of units to look through."""
    start, end = Period(year, 1).calendar_start, Period(year, 4).calendar_end
    # order_by(): the model's ordering by path would make DISTINCT return every unit.
    units = OrgUnit.objects.subtree_of(unit).active_between(start, end).order_by()
    return figure_cache.kept(
        "subtree-kinds",
        (unit.pk, year),
        lambda: frozenset(units.values_list("kind", flat=True).distinct()),
        refresh=lambda old, _cells: old,  # only a change to the tree, logged as "anything", moves a unit's kind
    )


def reported_in(indicators: list[Indicator], kinds: set[str]) -> list[Indicator]:
    """The indicators some unit of these kinds reports: a district's dashboard has no TV or newspaper tiles."""
    return [i for i in indicators if kinds.intersection(i.reported_by_kinds)]


# -- tiles ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Change:
    """A figure against the same period of the year before: percent for counts, points for rates."""

    delta: Decimal | None
    in_points: bool
    reason: str = ""  # why the two figures may not be compared (coverage differs, a split…)

    @property
    def comparable(self) -> bool:
        return not self.reason

    @property
    def direction(self) -> str:
        if self.delta is None:
            return "none"
        return "up" if self.delta > 0 else "down" if self.delta < 0 else "flat"

    @property
    def strong(self) -> bool:
        limit = STRONG_CHANGE_POINTS if self.in_points else STRONG_CHANGE
        return self.delta is not None and abs(self.delta) >= limit

    @property
    def display(self) -> str:
        if self.delta is None:
            return _("không so sánh được") if self.reason else NO_DATA
        sign = "+" if self.delta > 0 else "−" if self.delta < 0 else "±"
        if self.in_points:
            return _("%(sign)s%(n)s điểm %%") % {"sign": sign, "n": number(abs(self.delta))}
        return f"{sign}{percent(abs(self.delta))}"


def change_of(c: Comparison) -> Change:
    """The change a page may show: only between comparable figures (step 5 of the rule)."""
    if not c.comparable:
        return Change(None, c.figure.value_type in (ValueType.PERCENT, ValueType.RATIO), c.reason)
    return change_between(c.figure, c.previous)


def change_between(current: Figure, previous: Figure) -> Change:
    in_points = current.value_type in (ValueType.PERCENT, ValueType.RATIO)
    now, before = current.number, previous.number
    if now is None or before is None:
        return Change(None, in_points)
    if in_points:
        return Change(now - before, True)
    if before == 0:
        return Change(None, False)
    return Change((now - before) * 100 / before, False)


@dataclass
class Tile:
    indicator: Indicator
    comparison: Comparison
    progress: Progress | None = None

    @property
    def figure(self) -> Figure:
        return self.comparison.figure

    @property
    def previous(self) -> Figure:
        return self.comparison.previous

    @property
    def coverage(self) -> Coverage:
        return self.comparison.coverage

    @property
    def coverage_note(self) -> str:
        """'dựa trên 1/13 đơn vị' when not every unit that should report it has."""
        return "" if self.coverage.complete else self.coverage.display

    @property
    def change(self) -> Change:
        return change_of(self.comparison)

    @property
    def rate_display(self) -> str:
        return percent(self.progress.rate) if self.progress else NO_DATA

    @property
    def target_display(self) -> str:
        return number(self.progress.target.value) if self.progress else NO_DATA

    @property
    def progress_width(self) -> int:
        """Bar width in percent (capped at 100), for the template."""
        rate = self.progress.rate if self.progress else None
        return 0 if rate is None else int(min(rate, Decimal(100)))


# -- charts ---------------------------------------------------------------------------------------
@dataclass
class Point:
    label: str
    figure: Figure
    unit: OrgUnit | None = None
    change: Change | None = None

    def as_json(self) -> dict:
        n = self.figure.number
        return {
            "label": self.label,
            "value": None if n is None else float(n),
            "display": self.figure.display,
            "code": self.unit.code if self.unit else None,
        }


@dataclass
class Slice:
    group: IndicatorGroup
    total: Decimal
    parts: list[tuple[Indicator, Figure]]

    def as_json(self) -> dict:
        return {"label": self.group.name, "value": float(self.total), "display": number(self.total)}


@dataclass
class HeatRow:
    unit: OrgUnit
    cells: list[tuple[Indicator, Figure, Change]]


@dataclass
class ChildCompleteness:
    unit: OrgUnit
    expected: int = 0
    reported: int = 0

    @property
    def rate(self) -> float | None:
        return 100.0 * self.reported / self.expected if self.expected else None

    @property
    def rate_display(self) -> str:
        return NO_DATA if self.rate is None else percent(Decimal(str(round(self.rate, 2))))


@dataclass
class Dashboard:
    unit: OrgUnit
    year: int
    quarter: int
    section: str | None
    chart_indicator: Indicator
    choosable: list[Indicator]
    tiles: list[Tile]
    trend: list[Point]
    ranking: list[Point]
    composition: list[Slice]
    heat_columns: list[Indicator]
    heat_rows: list[HeatRow]
    completeness: Completeness
    by_child: list[ChildCompleteness] = field(default_factory=list)
    layer: str = Layer.OFFICIAL

    @property
    def provisional_note(self) -> str:
        return provisional_note(self.layer)

    children: list[OrgUnit] = field(default_factory=list)

    @cached_property
    def missing_by_group(self) -> list[tuple[str, list]]:
        """(label, statuses) of the units that have not reported, departments, press and localities apart."""
        out = []
        for label, kinds in MISSING_GROUPS:
            statuses = [s for s in self.completeness.missing if s.unit.kind in kinds]
            if statuses:
                out.append((label, statuses))
        return out

    @property
    def period(self) -> Period:
        return Period(self.year, self.quarter)

    @property
    def label(self) -> str:
        return period_label(self.year, self.quarter)

    @property
    def window(self) -> tuple:
        """Decree 09/2019 data window of the year to date: 15/12 of the year before – 14th of the quarter's last month."""
        return Period(self.year, 1).window_start, self.period.window_end

    @property
    def composition_total(self) -> Decimal:
        return sum((s.total for s in self.composition), Decimal(0))

    def charts_json(self) -> dict:
        """What static/js/dashboard.js draws; the page renders the same numbers as tables."""
        ind = self.chart_indicator
        return {
            "indicator": {"code": ind.code, "name": ind.name, "unit": ind.unit, "isRate": ind.value_type != ValueType.COUNT},
            "trend": [p.as_json() for p in self.trend],
            "ranking": [p.as_json() for p in self.ranking if p.figure.number is not None],
            "composition": [s.as_json() for s in self.composition if s.total],
        }


def chart_choices(section: str | None) -> list[Indicator]:
    qs = Indicator.objects.active().in_report_order()
    return list(qs.filter(section=section) if section else qs)


def dashboard(
    *,
    unit: OrgUnit,
    year: int,
    quarter: int = 4,
    section: str | None = None,
    chart_code: str | None = None,
    trend_years: int = TREND_YEARS,
    layer: str = Layer.OFFICIAL,
) -> Dashboard:
    """Everything the dashboard of `unit` shows for the year up to `quarter` (a bounded number of queries)."""
    choosable = reported_in(chart_choices(section), subtree_kinds(unit, year)) or chart_choices(section)
    by_code = {i.code: i for i in choosable}
    chart = by_code.get(chart_code or "") or by_code.get(DEFAULT_CHART[section]) or choosable[0]
    tile_inds = [by_code[c] for c in TILE_CODES if c in by_code]
    heat_inds = [by_code[c] for c in HEAT_CODES if c in by_code]
    outreach = [
        i for i in choosable if i.section == Section.A and i.value_type == ValueType.COUNT and i.unit_vi in OUTREACH_ITEM_UNITS
    ]
    wanted = _unique([*tile_inds, *heat_inds, chart, *outreach])

    now, before = Rollup.many(root=unit, periods=[(year, 1, quarter), (year - 1, 1, quarter)], indicators=wanted, layer=layer)
    targets = targets_for(org_unit=unit, year=year)

    tiles = []
    for ind in tile_inds:
        c = compare(now, before, ind)
        target = targets.get(ind.code)
        tiles.append(Tile(ind, c, Progress(target, c.figure) if target else None))

    children = _children(unit, now, year)
    ranking = []
    for child in children:
        c = compare(now, before, chart, child.pk)
        ranking.append(Point(child.name, c.figure, child, change_of(c)))
    ranking.sort(key=lambda p: (p.figure.number is None, -(p.figure.number or 0), p.unit.code))
    # Only the columns some child has a figure for, and only the children with a figure in one of them.
    heat_inds = [i for i in heat_inds if any(now.figure(i, c.pk).number is not None for c in children)]
    heat_rows = []
    for child in children:
        cells = []
        for ind in heat_inds:
            c = compare(now, before, ind, child.pk)
            cells.append((ind, c.figure, change_of(c)))
        if any(not fig.is_empty for _i, fig, _c in cells):
            heat_rows.append(HeatRow(child, cells))
    return Dashboard(
        unit=unit,
        year=year,
        quarter=quarter,
        section=section,
        chart_indicator=chart,
        choosable=choosable,
        tiles=tiles,
        trend=trend(unit=unit, indicator=chart, year=year, quarter=quarter, years=trend_years, layer=layer),
        ranking=ranking,
        composition=composition(now, outreach),
        heat_columns=heat_inds,
        heat_rows=heat_rows,
        # The unit's own report is not in its list: the province does not wait for itself.
        completeness=(done := completeness(root=unit, year=year, quarter=quarter, include_root=False)),
        by_child=completeness_by_child(done, unit, children),
        layer=layer,
        children=children,
    )


def _unique(indicators: list[Indicator]) -> list[Indicator]:
    seen, out = set(), []
    for i in indicators:
        if i.pk not in seen:
            seen.add(i.pk)
            out.append(i)
    return out


def _children(unit: OrgUnit, rollup: Rollup, year: int) -> list[OrgUnit]:
    """Child units open during the year, or that have a figure for it (one query)."""
    ids = set(rollup.children.get(unit.pk, ()))
    kids = OrgUnit.objects.filter(pk__in=ids).order_by("code")
    start, end = Period(year, 1).calendar_start, Period(year, 4).calendar_end
    return [k for k in kids if k.is_open_between(start, end) or any(k.pk in rollup.figures[i.pk] for i in rollup.indicators)]


def trend(
    *, unit: OrgUnit, indicator: Indicator, year: int, quarter: int, years: int = TREND_YEARS, layer: str = Layer.OFFICIAL
) -> list[Point]:
    """The indicator's figure quarter by quarter (each quarter on its own) for `years` years up to year/quarter."""
    years = max(1, min(years, MAX_TREND_YEARS))
    periods = [(y, q, q) for y in range(year - years + 1, year + 1) for q in range(1, (quarter if y == year else 4) + 1)]
    rollups = Rollup.many(root=unit, periods=periods, indicators=[indicator], layer=layer)  # one set of queries for all
    points = [
        (y, Point(_("Q%(q)s/%(y)s") % {"q": q, "y": y}, r.figure(indicator)))
        for (y, q, _q), r in zip(periods, rollups, strict=True)
    ]
    # The line starts with the first year that has data (empty years before it only squeeze the chart).
    first = next((y for y, p in points if not p.figure.is_empty), year)
    return [p for y, p in points if y >= first]


def composition(rollup: Rollup, outreach: list[Indicator]) -> list[Slice]:
    """Outreach items of the period per channel (section A group), biggest first."""
    by_group: dict[int, Slice] = {}
    for ind in outreach:
        fig = rollup.figure(ind)
        s = by_group.setdefault(ind.group_id, Slice(ind.group, Decimal(0), []))
        s.parts.append((ind, fig))
        if fig.value is not None:
            s.total += fig.value
    return sorted(by_group.values(), key=lambda s: (s.group.order, s.group.code))


def completeness_by_child(done: Completeness, root: OrgUnit, children: list[OrgUnit]) -> list[ChildCompleteness]:
    """The quarter's reporting rate of each child's subtree (no query: paths are already loaded)."""
    counts = done.counts_by_child(root)
    rows = []
    for c in children:
        expected, reported = counts.get(c.path, (0, 0))
        if expected:
            rows.append(ChildCompleteness(c, expected=expected, reported=reported))
    return rows


# -- drill-down -----------------------------------------------------------------------------------
@dataclass
class SourceRow:
    unit: OrgUnit
    figure: Figure
    cells: list[tuple[int, str]]


@dataclass
class FigureSources:
    unit: OrgUnit
    indicator: Indicator
    year: int
    quarter: int
    figure: Figure
    rows: list[SourceRow]

    @property
    def quarters(self) -> list[int]:
        return list(range(1, self.quarter + 1))

    @property
    def label(self) -> str:
        return period_label(self.year, self.quarter)

    @property
    def rule(self) -> str:
        ind = self.indicator
        over_time = _("cộng các quý") if ind.time_aggregation == TimeAggregation.SUM else _("lấy quý gần nhất có số liệu")
        over_units = {
            "sum": _("cộng các đơn vị"),
            "mean": _("trung bình các đơn vị"),
            "ratio": _("cộng tử số và mẫu số của các đơn vị"),
        }[ind.unit_aggregation]
        return _("Theo thời gian: %(t)s; theo đơn vị: %(u)s.") % {"t": over_time, "u": over_units}


def figure_sources(
    *, unit: OrgUnit, indicator: Indicator, year: int, quarter: int = 4, layer: str = Layer.OFFICIAL
) -> FigureSources:
    """The units whose own values make a figure, with those values quarter by quarter (a few queries)."""
    (rollup,) = Rollup.many(root=unit, periods=[(year, 1, quarter)], indicators=[indicator], layer=layer)
    ids = rollup.sources(indicator)
    units = {u.pk: u for u in OrgUnit.objects.filter(pk__in=ids)}
    cells: dict[int, dict[int, DataValue]] = defaultdict(dict)
    values = DataValue.objects.filter(indicator=indicator, org_unit_id__in=ids, year=year, quarter__lte=quarter)
    for v in values_in_layer(values, layer):
        cells[v.org_unit_id][v.quarter] = v
    quarters = range(1, quarter + 1)
    rows = [
        SourceRow(units[i], rollup.own[indicator.pk][i], [(q, cell_display(indicator, cells[i].get(q))) for q in quarters])
        for i in ids
    ]
    return FigureSources(unit, indicator, year, quarter, rollup.figure(indicator), rows)


def cell_display(indicator: Indicator, value: DataValue | None) -> str:
    if value is None:
        return NO_DATA
    return Figure(indicator.value_type, value.value, value.numerator, value.denominator).display


SECTION_LABELS = {None: gettext_lazy("Cả hai phần"), "A": Section.A.label, "B": Section.B.label}
