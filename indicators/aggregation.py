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
indicators, and the values with their quarters pivoted into columns (one row
per indicator, unit and year) — then one pass in Python over the units that
have a value or an ancestor of one, deepest first. `Rollup.many` computes
several periods of one subtree from the same three queries.
"""

from collections import defaultdict
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Field, Max, Q

from indicators.formatting import NO_DATA, number_vi, percent_vi, plain, ratio_vi
from indicators.models import DataValue, Indicator, TimeAggregation, UnitAggregation, ValueType
from organizations.models import OrgUnit


class Figure(NamedTuple):
    """One figure: a value, or a ratio's numerator and denominator; all None is "no data".

    A NamedTuple rather than a dataclass: a national roll-up makes hundreds of
    thousands of them, and a tuple is the cheapest immutable record Python has.
    """

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


class UnitTree:
    """A subtree's units (one query), shared by the Rollups of several periods."""

    def __init__(self, root: OrgUnit):
        # No ORDER BY: the fold sorts by depth itself, and the model's path ordering costs a sort.
        units = list(OrgUnit.objects.subtree_of(root).order_by().values_list("id", "parent_id", "depth", "code"))
        self.root = root
        self.unit_ids = [u[0] for u in units]
        self.code_of = {u[0]: u[3] for u in units}
        self.children: dict[int, list[int]] = defaultdict(list)
        self.parent_of: dict[int, int] = {}
        for uid, parent, _depth, _code in units:
            if uid != root.pk:
                self.children[parent].append(uid)
                self.parent_of[uid] = parent
        # Deepest first, so that children are folded before their parents.
        self.rank = {u[0]: n for n, u in enumerate(sorted(units, key=lambda u: -u[2]))}


_NONE3 = (None, None, None)


def quarter_cells(*, root: OrgUnit, years, indicators) -> dict[int, list[tuple]]:
    """year → [(indicator id, unit id, its four quarters' (value, numerator, denominator))], in one query.

    The table holds at most one row per quarter, so MAX(...) FILTER (quarter = q)
    pivots the quarters into columns: one row per indicator, unit and year.
    """
    aggregates = {}
    for q in (1, 2, 3, 4):
        for name in ("value", "numerator", "denominator"):
            # A plain Field skips Django's per-cell converters (12 a row); values are made Decimal below.
            aggregates[f"{name}_{q}"] = Max(name, filter=Q(quarter=q), output_field=Field())
    rows = (
        DataValue.objects.filter(
            org_unit__path__startswith=root.path, year__in=list(years), indicator_id__in=[i.pk for i in indicators]
        )
        .values_list("indicator_id", "org_unit_id", "year")
        .annotate(**aggregates)
        .order_by()
    )
    by_year: dict[int, list[tuple]] = defaultdict(list)
    for r in rows:
        by_year[r[2]].append(
            (
                r[0],
                r[1],
                ((_dec(r[3]), r[4], r[5]), (_dec(r[6]), r[7], r[8]), (_dec(r[9]), r[10], r[11]), (_dec(r[12]), r[13], r[14])),
            )
        )
    return by_year


def _dec(v):
    """PostgreSQL gives Decimals already; SQLite gives ints and floats for its NUMERIC column."""
    if v is None or type(v) is Decimal:
        return v
    return Decimal(v) if type(v) is int else Decimal(repr(v))


class Rollup:
    """Figures of every unit of a subtree for a set of indicators over quarters F..Q of a year.

    Three queries (units, indicators unless given, values); `Rollup.many` shares
    them between several periods of the same subtree.
    """

    def __init__(
        self, *, root: OrgUnit, year: int, quarter: int = 4, from_quarter: int = 1, indicators=None, _tree=None, _cells=None
    ):
        self.root, self.year, self.quarter, self.from_quarter = root, year, quarter, from_quarter
        self.indicators = list(indicators) if indicators is not None else list(Indicator.objects.in_report_order())
        self._by_id = {i.pk: i for i in self.indicators}
        tree = _tree or UnitTree(root)
        self.unit_ids, self.code_of, self.children = tree.unit_ids, tree.code_of, tree.children
        self._tree = tree
        cells = _cells if _cells is not None else quarter_cells(root=root, years=[year], indicators=self.indicators)
        self.own = self._own_figures(cells.get(year, ()))
        self.figures, self.uses_own = self._roll_up()

    @classmethod
    def many(cls, *, root: OrgUnit, periods, indicators=None) -> list["Rollup"]:
        """One Rollup per (year, from_quarter, quarter) period, for the cost of one."""
        periods = list(periods)
        indicators = list(indicators) if indicators is not None else list(Indicator.objects.in_report_order())
        tree = UnitTree(root)
        cells = quarter_cells(root=root, years={p[0] for p in periods}, indicators=indicators)
        return [
            cls(root=root, year=y, from_quarter=f, quarter=q, indicators=indicators, _tree=tree, _cells=cells)
            for y, f, q in periods
        ]

    # -- step 1: over time, per unit ----------------------------------------------------------
    def _own_figures(self, cells) -> dict[tuple[int, int], Figure]:
        """(indicator id, unit id) → the unit's own figure over quarters F..Q of the year's cells."""
        own: dict[tuple[int, int], Figure] = {}
        lo, hi = self.from_quarter - 1, self.quarter
        # Per indicator: its value type, and how its quarters fold (this loop runs per cell).
        how = {
            i.pk: (i.value_type, i.time_aggregation == TimeAggregation.LAST, i.value_type == ValueType.RATIO)
            for i in self.indicators
        }
        for ind_pk, unit, quarters in cells:
            rule = how.get(ind_pk)
            if rule is None:
                continue
            value_type, is_last, is_ratio = rule
            span = quarters[lo:hi]
            if is_last:
                for cell in reversed(span):
                    if cell != _NONE3:  # a ratio's numerator and denominator from the same quarter
                        own[(ind_pk, unit)] = Figure(value_type, *cell)
                        break
            elif is_ratio:
                nums = [c[1] for c in span if c[1] is not None]
                if nums:
                    own[(ind_pk, unit)] = Figure(value_type, None, sum(nums), sum(c[2] for c in span if c[2] is not None))
            else:
                values = [c[0] for c in span if c[0] is not None]
                if values:
                    own[(ind_pk, unit)] = Figure(value_type, sum(values) if len(values) > 1 else values[0])
        return own

    # -- step 2: over units, deepest first ----------------------------------------------------
    def _roll_up(self):
        figures: dict[int, dict[int, Figure]] = {i.pk: {} for i in self.indicators}
        uses_own: set[tuple[int, int]] = set()
        rank, parent_of = self._tree.rank, self._tree.parent_of
        # Only a unit with a value of its own, or an ancestor of one, can have a figure: visit just
        # those, deepest first (a commune-only indicator touches ~1,000 units, a department one ~30).
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
