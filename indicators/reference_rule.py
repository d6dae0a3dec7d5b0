"""The aggregation rule of DESIGN.md written as plainly as it reads, for tests to hold the fast path to.

No database, no caching, no cleverness: plain recursion over plain data. Any
faster implementation (indicators.aggregation today; a SQL fold or a cache
tomorrow) must give the same figures, coverage and year-before figures on the
same data — the property-based tests in tests/indicators/test_rule_properties.py
check it on random trees, closures, layers and partial years.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from indicators.periods import Period

LAYERS = {"official": {"approved"}, "submitted": {"approved", "submitted"}, "all": None}


@dataclass
class Unit:
    id: int
    parent: int | None
    kind: str
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None
    predecessors: list[int] = field(default_factory=list)


@dataclass
class Rule:
    """How an indicator folds: value type, over time (sum/last), over units (sum/mean/ratio), who reports it."""

    value_type: str
    time_aggregation: str
    unit_aggregation: str
    kinds: set[str]


@dataclass
class World:
    units: dict[int, Unit]
    values: dict[tuple[int, int, int], tuple]  # (unit, year, quarter) -> (value, numerator, denominator)
    statuses: dict[tuple[int, int, int], str]  # (unit, year, quarter) -> submission status

    def children(self, uid):
        return [u.id for u in self.units.values() if u.parent == uid]

    def in_layer(self, uid, year, q, layer) -> bool:
        allowed = LAYERS[layer]
        return allowed is None or self.statuses.get((uid, year, q)) in allowed

    def closed_before(self, uid, day) -> bool:
        end = self.units[uid].valid_to
        return end is not None and end < day


def own_figure(w: World, rule: Rule, uid, year, first, last, layer):
    """Step 1: the unit's own values over quarters first..last (None: it has none)."""
    cells = [
        (q, w.values[(uid, year, q)])
        for q in range(first, last + 1)
        if (uid, year, q) in w.values and w.in_layer(uid, year, q, layer)
    ]
    if not cells:
        return None
    if rule.time_aggregation == "last":
        return cells[-1][1]
    if rule.value_type == "ratio":
        return (None, sum(c[1] for _q, c in cells), sum(c[2] for _q, c in cells))
    return (sum(Decimal(c[0]) for _q, c in cells), None, None)


def combine(rule: Rule, figures):
    if rule.unit_aggregation == "ratio":
        return (None, sum(f[1] for f in figures), sum(f[2] for f in figures))
    total = sum(Decimal(f[0]) for f in figures)
    return (total / len(figures) if rule.unit_aggregation == "mean" else total, None, None)


def figure(w: World, rule: Rule, uid, year, first, last, layer):
    """Steps 1–3: the unit's own figure wins, else its children's figures combined."""
    own = own_figure(w, rule, uid, year, first, last, layer)
    if own is not None:
        return own
    end = Period(year, last).calendar_end
    kids = []
    for c in w.children(uid):
        if rule.time_aggregation == "last" and w.closed_before(c, end):
            continue  # a stock passed to the successors of a unit closed before the period's end
        f = figure(w, rule, c, year, first, last, layer)
        if f is not None:
            kids.append(f)
    return combine(rule, kids) if kids else None


def subtree(w: World, uid):
    out = [uid]
    for c in w.children(uid):
        out += subtree(w, c)
    return out


def coverage(w: World, rule: Rule, uid, year, first, last, layer) -> tuple[int, int]:
    """Step 4: (reported, expected) over the units of the subtree that should report in the period."""
    start, end = Period(year, first).calendar_start, Period(year, last).calendar_end
    reported = expected = 0
    for u in subtree(w, uid):
        unit = w.units[u]
        if unit.kind not in rule.kinds:
            continue

        def open_between(a, b, unit=unit):
            return (unit.valid_from is None or unit.valid_from <= b) and (unit.valid_to is None or unit.valid_to >= a)

        if rule.time_aggregation == "last":
            if not open_between(end, end):
                continue
            done = _reported(w, u, year, last, layer)
        else:
            if not open_between(start, end):
                continue
            done = all(
                _reported(w, u, year, q, layer)
                for q in range(first, last + 1)
                if open_between(Period(year, q).calendar_start, Period(year, q).calendar_end)
            )
        expected += 1
        reported += done
    return reported, expected


def _reported(w: World, uid, year, q, layer) -> bool:
    status = w.statuses.get((uid, year, q))
    if LAYERS[layer] is None:
        return status in ("approved", "submitted") or (uid, year, q) in w.values
    return status in LAYERS[layer]


def lineage(w: World, uid, by: datetime.date) -> list[int]:
    """The units `uid` succeeded by day `by`, transitively."""
    out, todo, seen = [], list(w.units[uid].predecessors), {uid}
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        if w.units[p].valid_to is not None and w.units[p].valid_to < by:
            out.append(p)
            todo += w.units[p].predecessors
    return out


def previous(w: World, rule: Rule, uid, year, first, last, layer):
    """Step 5: the same quarters of the year before for the unit and the units it succeeded; None if split or empty."""
    end = Period(year, last).calendar_end
    inside = set(subtree(w, uid))
    preds = [p for p in lineage(w, uid, end) if p not in inside]
    preds = [p for p in preds if not any(q != p and p in subtree(w, q) for q in preds)]
    if any(sum(p in u.predecessors for u in w.units.values()) > 1 for p in preds):
        return "split"
    before_end = Period(year - 1, last).calendar_end
    members = [uid] + [p for p in preds if not (rule.time_aggregation == "last" and w.closed_before(p, before_end))]
    figs = [figure(w, rule, m, year - 1, first, last, layer) for m in members]
    present = [f for f in figs if f is not None]
    if len(members) == 1:
        return figs[0]
    return combine(rule, present) if present else None
