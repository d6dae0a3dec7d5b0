"""The one aggregation rule of the portal (DESIGN.md), used by every reader.

The figure of indicator I for unit U, year Y, quarters F..Q (F = 1: year to date):
1. over time, per unit: `sum` adds the unit's own values; `last` takes the
   latest quarter that has one (a ratio's numerator and denominator together);
2. over units: U's own figure wins (a unit reports for its whole subtree);
   otherwise U combines the figures of its children that have one, each found
   by this same rule — `sum` adds, `mean` averages, `ratio` adds numerators and
   denominators separately;
3. no value anywhere: no figure (None, shown "—", never 0).

Cost: three queries whatever the size of the tree — the subtree's units, the
`sum` indicators' values added up per unit in SQL, the `last` indicators' rows —
then one pass over the units in Python, deepest first.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from indicators.formatting import NO_DATA, number_vi, percent_vi, plain, ratio_vi
from indicators.models import DataValue, Indicator, TimeAggregation, UnitAggregation, ValueType
from organizations.models import OrgUnit


@dataclass(frozen=True)
class Figure:
    value_type: str
    value: Decimal | None = None
    numerator: int | None = None
    denominator: int | None = None

    @property
    def is_empty(self) -> bool:
        return self.value is None and self.numerator is None

    @property
    def number(self) -> Decimal | None:
        """One comparable number: the value, or a ratio as a percentage."""
        if self.value_type == ValueType.RATIO:
            if self.numerator is None or not self.denominator:
                return None
            return Decimal(self.numerator) * 100 / Decimal(self.denominator)
        return self.value

    @property
    def display(self) -> str:
        if self.is_empty:
            return NO_DATA
        if self.value_type == ValueType.RATIO:
            return ratio_vi(self.numerator, self.denominator)
        if self.value_type == ValueType.PERCENT:
            return percent_vi(self.value)
        return number_vi(self.value)

    @property
    def percent_display(self) -> str:
        """A ratio as 84,35% (the report says '100% trạm truyền thanh')."""
        return percent_vi(self.number) if self.number is not None else NO_DATA

    def as_json(self) -> dict:
        return {"value": plain(self.value), "numerator": self.numerator, "denominator": self.denominator, "display": self.display}

    def __str__(self):
        return self.display


EMPTY = {t: Figure(t) for t in ValueType.values}


def empty(indicator: Indicator) -> Figure:
    return EMPTY[indicator.value_type]


class Rollup:
    """Figures of every unit of a subtree for a set of indicators over quarters F..Q of a year."""

    def __init__(self, *, root: OrgUnit, year: int, quarter: int = 4, from_quarter: int = 1, indicators=None):
        self.root, self.year, self.quarter, self.from_quarter = root, year, quarter, from_quarter
        self.indicators = list(indicators) if indicators is not None else list(Indicator.objects.in_report_order())
        self._by_id = {i.pk: i for i in self.indicators}
        units = list(OrgUnit.objects.subtree_of(root).values_list("id", "parent_id", "depth", "code"))
        self.unit_ids = [u[0] for u in units]
        self.code_of = {u[0]: u[3] for u in units}
        self.children: dict[int, list[int]] = defaultdict(list)
        for uid, parent, _depth, _code in units:
            if uid != root.pk:
                self.children[parent].append(uid)
        self._depth_order = [u[0] for u in sorted(units, key=lambda u: -u[2])]
        self.own = self._own_figures()
        self.figures, self.uses_own = self._roll_up()

    # -- step 1: over time, per unit ----------------------------------------------------------
    def _own_figures(self) -> dict[tuple[int, int], Figure]:
        """(indicator id, unit id) → the unit's own figure over the quarters."""
        base = DataValue.objects.filter(
            org_unit__path__startswith=self.root.path,
            year=self.year,
            quarter__gte=self.from_quarter,
            quarter__lte=self.quarter,
        )
        summed = [i.pk for i in self.indicators if i.time_aggregation == TimeAggregation.SUM]
        latest = [i.pk for i in self.indicators if i.time_aggregation == TimeAggregation.LAST]
        own: dict[tuple[int, int], Figure] = {}
        if summed:
            rows = (
                base.filter(indicator_id__in=summed)
                .values_list("indicator_id", "org_unit_id")
                .annotate(v=Sum("value"), n=Sum("numerator"), d=Sum("denominator"))
                .order_by()
            )
            for ind, unit, v, n, d in rows:
                own[(ind, unit)] = Figure(self._by_id[ind].value_type, v, n, d)
        if latest:
            rows = base.filter(indicator_id__in=latest).values_list(
                "indicator_id", "org_unit_id", "quarter", "value", "numerator", "denominator"
            )
            best: dict[tuple[int, int], tuple] = {}
            for ind, unit, q, v, n, d in rows:
                cur = best.get((ind, unit))
                if cur is None or q > cur[0]:
                    best[(ind, unit)] = (q, v, n, d)
            for (ind, unit), (_q, v, n, d) in best.items():
                own[(ind, unit)] = Figure(self._by_id[ind].value_type, v, n, d)
        return own

    # -- step 2: over units, deepest first ----------------------------------------------------
    def _roll_up(self):
        figures: dict[int, dict[int, Figure]] = {i.pk: {} for i in self.indicators}
        uses_own: set[tuple[int, int]] = set()
        # Only a unit with a value of its own, or an ancestor of one, can have a figure: visit just
        # those, deepest first (a commune-only indicator touches ~1,000 units, a department one ~30).
        rank = {uid: n for n, uid in enumerate(self._depth_order)}
        parent_of = {c: p for p, kids in self.children.items() for c in kids}
        own_units: dict[int, list[int]] = defaultdict(list)
        for ind_pk, uid in self.own:
            own_units[ind_pk].append(uid)
        for ind in self.indicators:
            pk = ind.pk  # hoisted: Model.pk is a property, and this loop runs once per unit
            mine = figures[pk]
            how = ind.unit_aggregation
            todo: set[int] = set()
            for uid in own_units.get(pk, ()):
                while uid is not None and uid not in todo:
                    todo.add(uid)
                    uid = parent_of.get(uid)
            for uid in sorted(todo, key=rank.__getitem__):
                f = self.own.get((pk, uid))
                if f is not None:
                    mine[uid] = f
                    uses_own.add((pk, uid))
                    continue
                kids = [mine[c] for c in self.children.get(uid, ()) if c in mine]
                if kids:
                    mine[uid] = _combine(ind.value_type, how, kids)
        return figures, uses_own

    # -- reading -------------------------------------------------------------------------------
    def figure(self, indicator: Indicator | str, unit_id: int | None = None) -> Figure:
        ind = self._indicator(indicator)
        return self.figures[ind.pk].get(unit_id or self.root.pk) or empty(ind)

    def for_unit(self, unit_id: int | None = None) -> dict[str, Figure]:
        uid = unit_id or self.root.pk
        return {i.code: self.figures[i.pk].get(uid) or empty(i) for i in self.indicators}

    def sources(self, indicator: Indicator | str, unit_id: int | None = None) -> list[int]:
        """The units whose own values make up a unit's figure (for drill-down)."""
        ind = self._indicator(indicator)
        out, stack = [], [unit_id or self.root.pk]
        while stack:
            uid = stack.pop()
            if (ind.pk, uid) in self.uses_own:
                out.append(uid)
            elif uid in self.figures[ind.pk]:
                stack.extend(self.children.get(uid, ()))
        return sorted(out, key=lambda u: self.code_of[u])

    def _indicator(self, indicator) -> Indicator:
        if isinstance(indicator, Indicator):
            return indicator
        for i in self.indicators:
            if i.code == indicator:
                return i
        raise KeyError(indicator)


def _combine(value_type: str, how: str, kids: list[Figure]) -> Figure:
    if how == UnitAggregation.RATIO:
        return Figure(value_type, None, sum(k.numerator for k in kids), sum(k.denominator for k in kids))
    total = sum((k.value for k in kids), Decimal(0))
    if how == UnitAggregation.MEAN:
        return Figure(value_type, total / len(kids))
    return Figure(value_type, total)


def figures_for(*, org_unit: OrgUnit, year: int, quarter: int = 4, from_quarter: int = 1, indicators=None) -> dict[str, Figure]:
    """Figures of one unit (its subtree rolled up), keyed by indicator code, in report order."""
    return Rollup(root=org_unit, year=year, quarter=quarter, from_quarter=from_quarter, indicators=indicators).for_unit()


def figure_for(*, indicator: Indicator, org_unit: OrgUnit, year: int, quarter: int = 4, from_quarter: int = 1) -> Figure:
    return Rollup(root=org_unit, year=year, quarter=quarter, from_quarter=from_quarter, indicators=[indicator]).figure(indicator)


def report_document(*, org_unit: OrgUnit, year: int, quarter: int = 4) -> dict:
    """The JSON document of a report's figures: the API, export_report and tests share it."""
    figures = figures_for(org_unit=org_unit, year=year, quarter=quarter)
    return {
        "year": year,
        "quarter": quarter,
        "org_unit": org_unit.code,
        "figures": {code: f.as_json() for code, f in figures.items()},
    }
