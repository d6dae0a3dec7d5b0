"""The one aggregation rule of the portal (DESIGN.md), used by every reader.

The figure of indicator I for unit U, year Y, quarters F..Q (F = 1: year to date),
over the values of a status layer:
0. which values: `official` holds approved quarters only, `submitted` adds
   quarters under review, `all` adds drafts;
1. over time, per unit: `sum` adds the unit's own values; `last` takes the
   latest quarter that has one (a ratio's numerator and denominator together);
2. over units: U's own figure wins (a unit reports for its whole subtree);
   otherwise U combines the figures of its children that have one, each found
   by this same rule — `sum` adds, `mean` averages, `ratio` adds numerators and
   denominators separately. For a stock (`last`) a child closed before the end
   of quarter Q counts no more: what it held passed to its successors;
3. no value anywhere: no figure (None, shown "—", never 0);
4. coverage: how many of the units that should report I in the period (open,
   of a kind that reports it) the figure rests on;
5. the year before: the same quarters of Y−1 for U together with the units it
   succeeded by the end of quarter Q, each by this rule, combined by the unit
   aggregation; a change is comparable only between figures of equal coverage.

Cost: a fixed number of queries whatever the size of the tree — the units (with
the predecessors of the subtree's units and their subtrees), the indicators,
the submissions' statuses (the layer and coverage), the values with their
quarters pivoted into columns — then one pass in Python over the units
that have a value or an ancestor of one, deepest first. `Rollup.many` computes
several periods of one subtree from the same queries.

`indicators.reference_rule` states the same rule naively; property-based tests
hold this implementation to it.
"""

import copy
import datetime
from collections import Counter, defaultdict
from decimal import Decimal
from functools import cached_property, reduce
from operator import itemgetter, or_
from typing import NamedTuple

from django.db import connections, models, router
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from indicators import figure_cache, fold_sql
from indicators.formatting import NO_DATA, number, percent, plain, ratio
from indicators.models import (
    DataValue,
    Indicator,
    Submission,
    SubmissionStatus,
    TimeAggregation,
    UnitAggregation,
    ValueType,
)
from indicators.periods import Period
from organizations.models import OrgUnit


class Layer(models.TextChoices):
    """Step 0: which values a figure is made of, by the status of their quarter's submission."""

    OFFICIAL = "official", gettext_lazy("Chính thức (đã phê duyệt)")
    SUBMITTED = "submitted", gettext_lazy("Gồm báo cáo đang chờ duyệt")
    ALL = "all", gettext_lazy("Gồm cả số liệu đang nhập")


# The submission statuses a layer takes values from (None: every value, drafts included).
LAYER_STATUSES = {
    Layer.OFFICIAL: (SubmissionStatus.APPROVED,),
    Layer.SUBMITTED: (SubmissionStatus.APPROVED, SubmissionStatus.SUBMITTED),
    Layer.ALL: None,
}


def provisional_note(layer: str) -> str:
    """The mark a non-official figure carries wherever it appears ('' for official figures)."""
    if layer == Layer.SUBMITTED:
        return _("Số liệu tạm tính: gồm cả báo cáo đang chờ duyệt, chưa phải số liệu chính thức.")
    if layer == Layer.ALL:
        return _("Số liệu tạm tính: gồm cả báo cáo đang chờ duyệt và số liệu đang nhập chưa gửi, chưa phải số liệu chính thức.")
    return ""


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
        """In the active language: 2.213 / 85,93% (vi), 2,213 / 85.93% (en)."""
        return self.display_in()

    def display_in(self, lang: str | None = None) -> str:
        if self.is_empty:
            return NO_DATA
        if self.value_type == ValueType.RATIO:
            return ratio(self.numerator, self.denominator, lang)
        if self.value_type == ValueType.PERCENT:
            return percent(self.value, lang)
        return number(self.value, lang)

    @property
    def percent_display(self) -> str:
        """A ratio as 84,35% (the report says '100% trạm truyền thanh')."""
        return percent(self.number) if self.number is not None else NO_DATA

    def as_json(self) -> dict:
        """Machine-facing: `display` is always the Vietnamese text, whatever the reader's language."""
        return {
            "value": plain(self.value),
            "numerator": self.numerator,
            "denominator": self.denominator,
            "display": self.display_in("vi"),
        }

    def __str__(self):
        return self.display


EMPTY = {t: Figure(t) for t in ValueType.values}


def empty(indicator: Indicator) -> Figure:
    return EMPTY[indicator.value_type]


class Coverage(NamedTuple):
    """Step 4: of the units that should report a figure in its period, how many have (in the layer)."""

    reported: int
    expected: int

    @property
    def complete(self) -> bool:
        return self.reported >= self.expected

    @property
    def display(self) -> str:
        return _("dựa trên %(r)s/%(e)s đơn vị") % {"r": self.reported, "e": self.expected}

    def as_json(self) -> dict:
        return {"reported": self.reported, "expected": self.expected}

    def __add__(self, other):  # NamedTuple's + would concatenate
        return Coverage(self.reported + other.reported, self.expected + other.expected)


NO_COVERAGE = Coverage(0, 0)

_UNIT_FIELDS = ("id", "parent_id", "depth", "code", "kind", "valid_from", "valid_to", "path")


class UnitTree:
    """A subtree's units, with the units they succeeded and those units' subtrees (step 5).

    Two queries when no predecessor lies outside the subtree (the units, the
    succession edges), a few more per generation of outside predecessors.
    Shared by the Rollups of several periods.
    """

    def __init__(self, root: OrgUnit):
        self.root = root
        # No ORDER BY: the fold sorts by depth itself, and the model's path ordering costs a sort.
        units = list(OrgUnit.objects.subtree_of(root).order_by().values_list(*_UNIT_FIELDS))
        known = {u[0] for u in units}
        self.paths = [root.path]
        through = OrgUnit.predecessors.through
        edges = list(
            through.objects.filter(from_orgunit__path__startswith=root.path).values_list("from_orgunit_id", "to_orgunit_id")
        )
        outside = {p for _s, p in edges if p not in known}
        while outside:  # predecessors outside the subtree: load their subtrees too
            paths = list(OrgUnit.objects.filter(pk__in=outside).values_list("path", flat=True))
            self.paths.extend(paths)
            more = OrgUnit.objects.filter(reduce(or_, (Q(path__startswith=p) for p in paths))).order_by()
            new = [u for u in more.values_list(*_UNIT_FIELDS) if u[0] not in known]
            units.extend(new)
            known.update(u[0] for u in new)
            new_edges = list(
                through.objects.filter(from_orgunit_id__in=[u[0] for u in new]).values_list("from_orgunit_id", "to_orgunit_id")
            )
            edges.extend(new_edges)
            outside = {p for _s, p in new_edges if p not in known}

        self.unit_ids = [u[0] for u in units]
        self.code_of = {u[0]: u[3] for u in units}
        self.kind_of = {u[0]: u[4] for u in units}
        self.open_span = {u[0]: (u[5], u[6]) for u in units}
        self.limited = [u[0] for u in units if u[5] is not None or u[6] is not None]  # opened or closed some day
        self.path_of = {u[0]: u[7] for u in units}
        self.children: dict[int, list[int]] = defaultdict(list)
        self.parent_of: dict[int, int] = {}
        for uid, parent, _depth, *_rest in units:
            # The root's parent is known only when a predecessor's subtree holds the root (a unit that
            # succeeded its own ancestor): that predecessor's figures of the year before include the root's.
            if parent in known:
                self.children[parent].append(uid)
                self.parent_of[uid] = parent
        # Deepest first, so that children are folded before their parents.
        self.by_rank = [u[0] for u in sorted(units, key=lambda u: -u[2])]
        self.rank = {uid: n for n, uid in enumerate(self.by_rank)}
        self.predecessors_of: dict[int, list[int]] = defaultdict(list)
        for successor, predecessor in edges:
            self.predecessors_of[successor].append(predecessor)
        self._successor_count: dict[int, int] | None = None
        self._subtrees: dict[int, list[int]] = {}
        self._closed: dict[datetime.date, frozenset[int]] = {}

    def closed_before(self, day: datetime.date) -> frozenset[int]:
        """The units closed before `day` (kept per day: every refresh of a roll-up over this tree asks again)."""
        found = self._closed.get(day)
        if found is None:
            found = self._closed[day] = frozenset(
                u for u in self.limited if (end := self.open_span[u][1]) is not None and end < day
            )
        return found

    def is_open_on(self, uid: int, day: datetime.date) -> bool:
        start, end = self.open_span[uid]
        return (start is None or start <= day) and (end is None or end >= day)

    def is_open_throughout(self, uid: int, first: datetime.date, last: datetime.date) -> bool:
        start, end = self.open_span[uid]
        return (start is None or start <= first) and (end is None or end >= last)

    def is_open_between(self, uid: int, first: datetime.date, last: datetime.date) -> bool:
        start, end = self.open_span[uid]
        return (start is None or start <= last) and (end is None or end >= first)

    def successor_count(self, uid: int) -> int:
        """How many units a unit passed to (one query, the first time): more than one is a split."""
        if self._successor_count is None:
            preds = {p for ps in self.predecessors_of.values() for p in ps}
            through = OrgUnit.predecessors.through
            counts: dict[int, int] = defaultdict(int)
            for _s, p in through.objects.filter(to_orgunit_id__in=preds).values_list("from_orgunit_id", "to_orgunit_id"):
                counts[p] += 1
            self._successor_count = counts
        return self._successor_count.get(uid, 0)

    def lineage(self, uid: int, by: datetime.date) -> list[int]:
        """The units `uid` succeeded by day `by`, transitively (a predecessor passes the day after its valid_to)."""
        out, seen, stack = [], {uid}, list(self.predecessors_of.get(uid, ()))
        while stack:
            p = stack.pop()
            if p in seen:
                continue
            seen.add(p)
            closed = self.open_span[p][1]
            if closed is not None and closed < by:
                out.append(p)
                stack.extend(self.predecessors_of.get(p, ()))
        return out

    def subtree(self, uid: int) -> list[int]:
        """The unit and every unit below it (kept: the tree is shared by every refresh of its roll-ups)."""
        found = self._subtrees.get(uid)
        if found is None:
            out, stack = [], [uid]
            while stack:
                u = stack.pop()
                out.append(u)
                stack.extend(self.children.get(u, ()))
            found = self._subtrees[uid] = out
        return found

    def is_within(self, uid: int, top: int) -> bool:
        return self.path_of[uid].startswith(self.path_of[top])

    @cached_property
    def scope(self) -> dict:
        """How the fold's queries pick this tree's rows (`fold_sql`'s `paths=`): joined to the units on the tree's
        paths, or, for a tree of most units of the table (a nation's), every row, the other units' dropped as
        read (`reads_every_unit`). The join cost more per row than those rows do: at 10 M values, a recheck's digests of
        two national years took 1.1–1.4 s joined, 0.65–1.1 s without, and the first fold 13.5 s against 10–11.8 s.
        """
        if len(self.unit_ids) >= _WHOLE_TABLE_SHARE * self.digest[0]:
            return {"paths": fold_sql.EVERY_UNIT}
        return {"paths": self.paths}

    @property
    def reads_every_unit(self) -> bool:
        """Whether `scope` reads other trees' rows too, which the reader then drops (`kind_of` says whose)."""
        return self.scope["paths"] is fold_sql.EVERY_UNIT

    @cached_property
    def _shapes(self) -> dict[int, tuple]:
        """unit id → what the rule reads of it: where it sits, its code and kind, when it is open, whom it succeeded.

        Worked out once per tree: each roll-up kept over it compares it with the next tree.
        """
        parent_of, code_of, kind_of, open_span, preds = (
            self.parent_of, self.code_of, self.kind_of, self.open_span, self.predecessors_of,
        )  # fmt: skip
        return {
            u: (parent_of.get(u), code_of[u], kind_of[u], open_span[u], tuple(sorted(preds.get(u, ())))) for u in self.unit_ids
        }

    def changed_from(self, old: "UnitTree") -> set[int]:
        """The units whose figures a change from the `old` tree to this one can move, each of its years.

        The units added, removed, moved, retyped, opened or closed otherwise, or given other
        predecessors, and the old parent of each (it lost a child); their ancestors in this tree
        follow from the roll-up. Every other unit's subtree is as it was, and so are its figures.
        """
        mine, theirs = self._shapes, old._shapes
        out = set(mine.keys() ^ theirs.keys())
        out.update(u for u, shape in mine.items() if u in theirs and shape != theirs[u])
        out.update(p for u in list(out) if (p := old.parent_of.get(u)) is not None)
        return out


def unit_tree(root: OrgUnit | int) -> UnitTree | None:
    """The subtree's `UnitTree`, read once per data version and shared by every roll-up of it: a national tree is
    tens of thousands of units, which the dashboard's periods and its trend would each read again after a change.

    `root` may be the unit's id: the unit is then read with its tree, and only then (None: it is gone).
    """
    pk = root if isinstance(root, int) else root.pk

    def read() -> UnitTree | None:
        digest = fold_sql.tree_digest(_UNIT_FIELDS)  # before the tree: a change made meanwhile is seen by the next recheck
        unit = OrgUnit.objects.filter(pk=pk).first() if isinstance(root, int) else root
        if unit is None:
            return None
        tree = UnitTree(unit)
        tree.successor_count(unit.pk)  # read now: a kept tree must not query later
        tree.digest = digest
        return tree

    def rechecked(old: UnitTree | None) -> UnitTree | None:
        return old if old is not None and fold_sql.tree_digest(_UNIT_FIELDS) == old.digest else None

    # Values and submissions written leave it as it is; a change to the tree is logged as such, and builds anew;
    # after a change the log cannot describe, the tables' digest says whether the tree is still the kept one.
    return figure_cache.kept(
        "unit-tree",
        (pk,),
        read,
        weight=lambda t: len(t.unit_ids) if t else 1,
        refresh=lambda old, _c: old,
        recheck=rechecked,
    )


_NONE3 = (None, None, None)
# A tree of at least this share of all units reads whole tables rather than joining the units (`UnitTree.scope`).
_WHOLE_TABLE_SHARE = 0.75
# A recheck reads again the unit-years of the ranges of unit ids whose sums differ by their ids, up to this many
# ids; past that (most ranges differ) every unit-year, as one grouped pass (`_Shared.cells_differing`).
_RANGE_IDS_AT_MOST = 4096


def values_in_layer(qs, layer: str):
    """A DataValue queryset narrowed to the values of a layer (step 0)."""
    statuses = LAYER_STATUSES[layer]
    if statuses is None:
        return qs
    return qs.filter(
        Exists(
            Submission.objects.filter(
                org_unit_id=OuterRef("org_unit_id"), year=OuterRef("year"), quarter=OuterRef("quarter"), status__in=statuses
            )
        )
    )


def quarter_cells(
    *,
    tree: UnitTree,
    years,
    indicators,
    keep: "_Quarters | None" = None,
    units=None,
    digests: dict | None = None,
    others: dict | None = None,
) -> dict[int, list[tuple]]:
    """year → rows (indicator id, unit id, year, then value, numerator, denominator of Q1, Q2, Q3, Q4), in one query.

    The table holds at most one row per quarter, so MAX(...) FILTER (quarter = q)
    pivots the quarters into columns: one row per indicator, unit and year; quarter
    q's cell is row[3q : 3q + 3] (`cell_of`). Rows stay flat tuples, as the driver
    gives them: a national year is ~100 k rows, and re-nesting them cost a quarter of
    the fold. `keep`, when given, is the set of (unit id, year, quarter) of the layer:
    the other quarters' cells come back empty. Masking here rather than an EXISTS on
    the submission in SQL keeps the values query the same for every layer (an
    EXISTS per row cost 1.6–3.4× the unfiltered query in bench_layers), for a
    dict lookup per row. `digests`, when given, gets (unit id, year) → the sum of the
    hashes of every cell read, in any layer (`fold_sql.cell_digests`); its rows carry
    that hash as a 16th item, which masking drops. `others`, when given with `digests`,
    gets the hashes of the rows of other trees that a scope of every unit reads and drops,
    summed per (year, unit id // fold_sql.BUCKET_WIDTH): what a recheck's first pass
    (`fold_sql.bucket_digests`) counts beside this tree's.
    """
    scope = {"units": units} if units is not None else tree.scope
    rows = fold_sql.pivot_rows(years=years, indicator_ids=[i.pk for i in indicators], digest=digests is not None, **scope)
    outside = units is None and tree.reads_every_unit  # rows of other trees come too: dropped here
    mine = tree.kind_of
    decimals = connections[router.db_for_read(DataValue)].vendor != "postgresql"  # PostgreSQL's driver gives Decimals
    by_year: dict[int, list[tuple]] = defaultdict(list)
    # (unit id, year) → its quarters in the layer as bits: all four (most unit-years) keep the row as it is,
    # none drop it, the rest are masked by the getter of their pattern (one call in C).
    bits = keep.bits if keep is not None else None
    masks = _MASKS if digests is None else _MASKS_OF_DIGESTED
    width = fold_sql.BUCKET_WIDTH
    for r in rows:
        if outside and r[1] not in mine:
            if others is not None:
                key = (r[2], r[1] // width)
                others[key] = others.get(key, 0) + r[15]
            continue
        if digests is not None:
            key = (r[1], r[2])
            digests[key] = digests.get(key, 0) + r[15]
        if decimals:
            r = (*r[:3], _dec(r[3]), *r[4:6], _dec(r[6]), *r[7:9], _dec(r[9]), *r[10:12], _dec(r[12]), *r[13:])
        if bits is not None and (b := bits.get((r[1], r[2]))) != _EVERY_QUARTER:
            if not b:
                continue
            r = masks[b](r + _BLANK)  # may leave no cell: a row without a value makes no own figure
        by_year[r[2]].append(r)
    return by_year


def _bit(quarter: int) -> int:
    return 1 << (quarter - 1)


_EVERY_QUARTER = 0b1111
# A pivoted row with one None after it: a mask's getter picks that None for each cell of a quarter left out.
_BLANK = (None,)


def _mask_of(bits: int, blank: int = 15) -> itemgetter:
    """The getter that copies a pivoted row with the cells of the quarters not in `bits` blanked.

    `blank`: the index of _BLANK once appended to the row (15 items, or 16 with its digest).
    """
    picks = [0, 1, 2]
    for q in (1, 2, 3, 4):
        picks.extend(range(3 * q, 3 * q + 3) if bits & _bit(q) else (blank, blank, blank))
    return itemgetter(*picks)


_MASKS = tuple(_mask_of(b) for b in range(_EVERY_QUARTER + 1))
_MASKS_OF_DIGESTED = tuple(_mask_of(b, blank=16) for b in range(_EVERY_QUARTER + 1))


def cell_of(row: tuple, quarter: int) -> tuple:
    """(value, numerator, denominator) of a quarter in a `quarter_cells` row."""
    return row[3 * quarter : 3 * quarter + 3]


class _Quarters(set):
    """(unit id, year, quarter) of a layer, and `bits`: (unit id, year) → which of its quarters are in it
    (`_bit`; 0 or absent: none), for masking a pivoted row with one lookup."""

    def __init__(self, keys):
        super().__init__(keys)
        self.bits = _bits_of(self)

    def replaced(self, pairs: set[tuple[int, int]], fresh) -> "_Quarters":
        """A copy whose quarters of the (unit id, year) `pairs` are those of `fresh` (a refresh after a write)."""
        new = _Quarters(())
        set.update(new, self)  # copied in C, then the stale quarters taken out
        new.difference_update({(u, y, q) for u, y in pairs for q in (1, 2, 3, 4)})
        fresh = set(fresh)
        set.update(new, fresh)
        # Zeroed, not deleted: CPython copies a dict that has had entries deleted by its slow path.
        new.bits = {**self.bits, **dict.fromkeys(pairs, 0), **_bits_of(fresh)}
        if (sums := getattr(self, "_sums", None)) is not None:  # worked out for a recheck: moved by what was replaced
            width, out = sums[0], defaultdict(int, sums[1])
            for u, y in pairs:
                out[(y, u // width)] -= _bits_hash(u, self.bits.get((u, y), 0))
            for u, y, q in fresh:
                out[(y, u // width)] += fold_sql.quarter_hash(u, q)
            new._sums = (width, out)
        return new

    def bucket_sums(self, width: int) -> dict[tuple[int, int], int]:
        """(year, unit id // width) → the sum of `fold_sql.quarter_hash` over these quarters: what the layer's
        submissions sum to there (`fold_sql.bucket_quarters`) while nothing changed. Worked out once, then
        carried through `replaced`."""
        sums = getattr(self, "_sums", None)
        if sums is None or sums[0] != width:
            out, hashed = defaultdict(int), fold_sql.quarter_hash
            for u, y, q in self:
                out[(y, u // width)] += hashed(u, q)
            self._sums = sums = (width, out)
        return sums[1]


def _bits_hash(unit: int, bits: int) -> int:
    """The sum of `fold_sql.quarter_hash` over a unit-year's quarters given as `_bit`s."""
    return sum(fold_sql.quarter_hash(unit, q) for q in (1, 2, 3, 4) if bits & _bit(q))


def _bits_of(quarters: set[tuple[int, int, int]]) -> dict[tuple[int, int], int]:
    """(unit id, year) → `_bit`s of its quarters among `quarters` (distinct keys): counted in C, and only the
    unit-years with fewer than four looked at one by one."""
    counts = Counter(map(_unit_year, quarters))
    bits = dict.fromkeys(counts, _EVERY_QUARTER)
    for (u, y), n in counts.items():
        if n < 4:
            bits[(u, y)] = sum(_bit(q) for q in (1, 2, 3, 4) if (u, y, q) in quarters)
    return bits


_unit_year = itemgetter(0, 1)


def _differing(now: dict, kept: dict) -> set:
    """The keys whose number differs between two dicts, a missing key counting as 0 (a unit-year without rows).

    Equal dicts (nothing changed, the common answer) are told in C: at national size each holds a nation's
    unit-years, and a loop over them costs tens of milliseconds.
    """
    if now == kept:
        return set()
    # The items in one dict and not the other, told in C; a key absent from one side and 0 on the other is no change.
    return {k for k, _v in now.items() ^ kept.items() if now.get(k, 0) != kept.get(k, 0)}


def _ranges_differing(
    tree: UnitTree, width: int, now: dict, mine: dict, others: dict, read, folded: dict, weigh, modulus: int | None = None
):
    """A recheck's second pass: (the (unit id, year) of `tree` whose numbers differ, `others` brought up to date).

    `now`: (year, unit id // width) → a sum of the data, against what was folded: the tree's sums (`mine`)
    and other trees' (`others`), added up modulo `modulus` when the data's sum is taken so. Where those
    differ, `read(years, unit ids)` gives (unit id, year) → number for every unit id of those ranges (an
    index lookup each; `read(None, None)`, the whole scope, when they are too many), compared with
    `folded`'s. Other trees' units there (a scope of every unit reads them) are summed anew, as
    `weigh(unit, number)`, into `others`: copied, since a recheck in another thread may read the old one.
    """
    kept = {k: mine.get(k, 0) + others.get(k, 0) for k in mine.keys() | others.keys()}
    if modulus is not None:
        kept = {k: v % modulus for k, v in kept.items()}
    stale = _differing(now, kept)
    if not stale:
        return set(), others
    ids = sorted({u for _year, b in stale for u in range(b * width, (b + 1) * width)})
    if len(ids) > _RANGE_IDS_AT_MOST:  # most ranges differ (a restore): every unit-year, as one grouped pass
        read_now = read(None, None)
    else:
        read_now = read({y for y, _b in stale}, ids)
    in_tree, every_unit, sums, found = tree.kind_of, tree.reads_every_unit, dict.fromkeys(stale, 0), {}
    for (unit, year), value in read_now.items():
        if (bucket := (year, unit // width)) in sums:
            if unit in in_tree:
                found[(unit, year)] = value
            elif every_unit:  # another tree's unit, which the first pass counted
                sums[bucket] += weigh(unit, value)
    mine = {k: v for k, v in folded.items() if (k[1], k[0] // width) in stale}
    return _differing(found, mine), {**others, **sums}


def _dec(v):
    """PostgreSQL gives Decimals already; SQLite gives ints and floats for its NUMERIC column."""
    if v is None or type(v) is Decimal:
        return v
    return Decimal(v) if type(v) is int else Decimal(repr(v))


class _Shared:
    """What the Rollups of several periods of one subtree share: units, submissions' statuses, values."""

    def __init__(self, *, root, years, indicators, layer):
        self.tree = unit_tree(root)
        self.layer = layer
        self.years = set(years)
        self.indicators = indicators
        allowed = LAYER_STATUSES[layer]
        # What a recheck compares in its first pass beside this tree's figures (`cells_differing`): per (year,
        # unit id // bucket_width), the sums of the hashes of the rows (`others`) and of the layer's quarters
        # (`quarter_others`) of other trees' units that a scope of every unit reads and drops.
        self.bucket_width = fold_sql.BUCKET_WIDTH
        self.others: dict[tuple[int, int], int] = {}
        self.quarter_others: dict[tuple[int, int], int] = {}
        keep = None if allowed is None else _Quarters(self._quarters_with(allowed, others=self.quarter_others))
        # (unit id, year) → the digest of its cells as folded: what a recheck compares with the data's.
        self.digests: dict[tuple[int, int], int] = {}
        self.cells = quarter_cells(
            tree=self.tree, years=self.years, indicators=indicators, keep=keep, digests=self.digests, others=self.others
        )
        # Official and submitted figures count as reported exactly the quarters they are made of.
        self._reported: set[tuple[int, int, int]] | None = keep
        self._by_quarter: dict[tuple[int, int], frozenset[int]] | None = None

    def _quarters_with(self, statuses, units=None, others: dict | None = None) -> list[tuple[int, int, int]]:
        """(unit id, year, quarter) of the tree and years whose submission has one of `statuses` (one query).

        A small tree names its units (the unique (unit, year, quarter) index answers); a large one joins
        the unit table on the path prefix (one pass over the year's submissions beats thousands of ids).
        `others` gets the `fold_sql.quarter_hash`es of other trees' quarters read, as `quarter_others`.
        """
        ids = self.tree.unit_ids if units is None else list(units)
        if len(ids) <= 2000:
            return fold_sql.quarters_with(years=self.years, statuses=statuses, units=ids)
        found = fold_sql.quarters_with(years=self.years, statuses=statuses, **self.tree.scope)
        if self.tree.reads_every_unit:
            mine = self.tree.kind_of
            if others is not None:
                width, hashed = self.bucket_width, fold_sql.quarter_hash
                for u, y, q in found:
                    if u not in mine:
                        key = (y, u // width)
                        others[key] = others.get(key, 0) + hashed(u, q)
            found = [k for k in found if k[0] in mine]
        return found

    def refreshed(self, changed: dict[int, set[int]], tree: UnitTree | None = None) -> "_Shared":
        """A copy brought up to date for the changed units of each year (year → unit ids), in two queries.

        On the same tree, or on `tree` (the tree as it is now, `changed` holding what differs from the old
        one); the layer's quarters and the reported ones are replaced for the changed unit-years; `cells`
        holds only their rows. A unit no longer in the tree has neither.
        """
        new = object.__new__(_Shared)
        new.tree, new.layer, new.years, new.indicators = tree or self.tree, self.layer, self.years, self.indicators
        new._by_quarter = None
        # Other trees' rows are not refreshed: a recheck finds their ranges differ, and reads them again.
        new.bucket_width, new.others, new.quarter_others = self.bucket_width, self.others, self.quarter_others
        units = {u for us in changed.values() for u in us if u in new.tree.kind_of}
        pairs = {(u, y) for y, us in changed.items() for u in us}
        stale = {(u, y, q) for u, y in pairs for q in (1, 2, 3, 4)}
        allowed = LAYER_STATUSES[self.layer]
        if allowed is None:
            keep = None
        else:
            keep = self._reported.replaced(pairs, (k for k in new._quarters_with(allowed, units=units) if k[:2] in pairs))
        fresh: dict[tuple[int, int], int] = {}
        new.cells = quarter_cells(
            tree=new.tree, years=set(changed), indicators=self.indicators, keep=keep, units=units, digests=fresh
        )
        new.cells = {y: [r for r in rows if r[1] in changed.get(y, ())] for y, rows in new.cells.items()}
        # Zeroed, not deleted (see `_Quarters.replaced`): 0 is what a unit-year without cells sums to.
        new.digests = {**self.digests, **dict.fromkeys(pairs, 0), **{k: v for k, v in fresh.items() if k in pairs}}
        if "_bucket_sums" in self.__dict__:  # worked out for a recheck: moved by the unit-years refreshed alone
            sums, width = defaultdict(int, self._bucket_sums), self.bucket_width
            for unit, year in pairs:
                sums[(year, unit // width)] += new.digests[(unit, year)] - self.digests.get((unit, year), 0)
            new.__dict__["_bucket_sums"] = sums
        if keep is not None:
            new._reported = keep
        else:
            found = {k for k in self.reported_quarters() if k not in stale}
            done = (SubmissionStatus.APPROVED, SubmissionStatus.SUBMITTED)
            found.update(k for k in new._quarters_with(done, units=units) if k[:2] in pairs)
            new._reported = found | _typed_quarters(new.cells)
        return new

    @cached_property
    def _bucket_sums(self) -> dict[tuple[int, int], int]:
        """(year, unit id // bucket_width) → the sum of the digests of the tree's unit-years there, as folded."""
        width, out = self.bucket_width, defaultdict(int)
        for (unit, year), digest in self.digests.items():
            out[(year, unit // width)] += digest
        return out

    def cells_differing(self, tree: UnitTree, indicator_ids) -> set[tuple[int, int]]:
        """The (unit id, year) of `tree` whose cells differ from those folded, asked of the data in two passes.

        First the cell hashes summed per year and range of unit ids (`fold_sql.bucket_digests`, a few hundred
        numbers), against the same sums of what was folded (the tree's digests, and `others`' for the rows of
        other trees that a scope of every unit reads); then the unit-years of the ranges that differ
        (`_ranges_differing`). Reading a nation's 49 k unit-year digests took 0.65–1 s at 10 M values, and
        comparing them in Python ~0.1 s more.
        """
        width = self.bucket_width
        now = fold_sql.bucket_digests(years=self.years, indicator_ids=indicator_ids, width=width, **tree.scope)

        def read(years, units):
            scope = tree.scope if units is None else {"units": units}
            return fold_sql.cell_digests(years=years or self.years, indicator_ids=indicator_ids, **scope)

        changed, self.others = _ranges_differing(
            tree, width, now, self._bucket_sums, self.others, read, self.digests, lambda _u, d: d, fold_sql.BUCKET_MODULUS
        )
        return changed

    def quarters_differing(self, tree: UnitTree, statuses) -> set[tuple[int, int]]:
        """The (unit id, year) of `tree` whose quarters in the layer differ from those folded: `cells_differing`
        for the submissions (`fold_sql.bucket_quarters`, then `quarter_bits` of the ranges that differ)."""
        width, quarters = self.bucket_width, self.reported_quarters()
        now = fold_sql.bucket_quarters(years=self.years, statuses=statuses, width=width, **tree.scope)

        def read(years, units):
            scope = tree.scope if units is None else {"units": units}
            return fold_sql.quarter_bits(years=years or self.years, statuses=statuses, **scope)

        mine = quarters.bucket_sums(width)
        changed, self.quarter_others = _ranges_differing(
            tree, width, now, mine, self.quarter_others, read, quarters.bits, _bits_hash
        )
        return changed

    def settle(self) -> None:
        """Read now what would otherwise be read lazily, and let the raw cells go: the Rollups are to be kept.

        A kept Rollup must not query later: its coverage and splits would come from newer data than its figures.
        """
        self.reported_quarters()
        self.tree.successor_count(self.tree.root.pk)
        self.cells = {}

    def reported_by_quarter(self) -> dict[tuple[int, int], frozenset[int]]:
        """(year, quarter) → the units whose report of it is in the layer (`reported_quarters`, indexed once)."""
        index = self._by_quarter
        if index is None:
            units: dict[tuple[int, int], list[int]] = defaultdict(list)
            for u, y, q in self.reported_quarters():
                units[(y, q)].append(u)
            index = self._by_quarter = {k: frozenset(v) for k, v in units.items()}
        return index

    def reported_quarters(self) -> set[tuple[int, int, int]]:
        """(unit id, year, quarter) whose report is in the layer (for coverage; for `all`, one query the first time).

        For `all`, a quarter with any value counts as well (a draft being typed).
        """
        if self._reported is None:
            statuses = LAYER_STATUSES[self.layer] or (SubmissionStatus.APPROVED, SubmissionStatus.SUBMITTED)
            found = set(self._quarters_with(statuses))
            if LAYER_STATUSES[self.layer] is None:
                found |= _typed_quarters(self.cells)
            self._reported = found
        return self._reported


def _typed_quarters(cells: dict[int, list[tuple]]) -> set[tuple[int, int, int]]:
    """(unit id, year, quarter) with any value in `quarter_cells` rows: a draft being typed counts as reported in `all`."""
    return {(row[1], year, q) for year, rows in cells.items() for row in rows for q in (1, 2, 3, 4) if cell_of(row, q) != _NONE3}


class Rollup:
    """Figures of every unit of a subtree for a set of indicators over quarters F..Q of a year, in a layer.

    `Rollup.many` shares the queries between several periods of the same subtree.
    """

    def __init__(
        self,
        *,
        root: OrgUnit,
        year: int,
        quarter: int = 4,
        from_quarter: int = 1,
        indicators=None,
        layer: str = Layer.OFFICIAL,
        _shared: _Shared | None = None,
    ):
        indicators = list(indicators) if indicators is not None else list(Indicator.objects.in_report_order())
        shared = _shared or _Shared(root=root, years=[year], indicators=indicators, layer=layer)
        self._setup(root, year, quarter, from_quarter, indicators, shared)
        self.own = self._own_figures(self._shared.cells.get(year, ()))
        self.figures = self._roll_up()

    def _setup(self, root, year, quarter, from_quarter, indicators, shared) -> None:
        self.root, self.year, self.quarter, self.from_quarter = root, year, quarter, from_quarter
        self.indicators = indicators
        self._by_id = {i.pk: i for i in indicators}
        self._shared = shared
        self.layer = shared.layer
        tree = self._tree = shared.tree
        self.unit_ids, self.code_of, self.children = tree.unit_ids, tree.code_of, tree.children
        self.start = Period(year, from_quarter).calendar_start
        self.end = Period(year, quarter).calendar_end
        self._coverage: dict[tuple, tuple[dict[int, int], dict[int, int]]] = {}
        self._reporting: dict[bool, tuple[frozenset[int], frozenset[int]]] = {}
        self._compared: dict[tuple, Comparison] = {}
        self._reported_of_kinds: dict[tuple, frozenset[int]] = {}
        self._reported_units: dict[tuple, frozenset[int]] = {}

    def _refreshed(self, shared: "_Shared", changed: set[int], new_tree: bool = False) -> "Rollup":
        """A copy with the figures of the changed units (of this year) and their ancestors folded again.

        Only their own figures are recomputed (from `shared.cells`, the changed rows) and only the
        figures on their paths to the root re-combined, deepest first, as `_roll_up` does — on
        `shared.tree`, which is another tree when `new_tree` (a changed unit may have left it).
        """
        new = object.__new__(Rollup)
        new._setup(shared.tree.root, self.year, self.quarter, self.from_quarter, self.indicators, shared)
        fresh_own = new._own_figures(shared.cells.get(self.year, ()))
        if new_tree:  # a unit moved or closed changes its ancestors' figures, with or without values of its own
            touched = set(self.own)
        else:  # only indicators with an own figure of a changed unit before or after can change at all
            touched = {pk for pk, mine in self.own.items() if fresh_own[pk] or any(u in mine for u in changed)}
        new.own = {pk: (dict(mine) if pk in touched else mine) for pk, mine in self.own.items()}  # copied in C
        # Then the changed units' own figures replaced, in place where they stay: a dict that has had entries
        # deleted is copied by CPython's slow path, and the next refresh copies it again.
        for pk in touched:
            mine, fresh = new.own[pk], fresh_own[pk]
            for u in changed:
                if u in fresh:
                    mine[u] = fresh[u]
                else:
                    mine.pop(u, None)
        new.figures = {pk: (dict(mine) if pk in touched else mine) for pk, mine in self.figures.items()}
        tree, closed = new._tree, new.closed_units
        gone = {u for u in changed if u not in tree.rank}
        on_paths: set[int] = set()
        for uid in changed - gone:
            while uid is not None and uid not in on_paths:
                on_paths.add(uid)
                uid = tree.parent_of.get(uid)
        order = sorted(on_paths, key=tree.rank.__getitem__)
        for ind in self.indicators:
            pk = ind.pk
            if pk not in touched:
                continue
            mine, own = new.figures[pk], new.own[pk]
            for uid in gone:
                mine.pop(uid, None)
            is_stock = ind.time_aggregation == TimeAggregation.LAST
            for uid in order:
                f = own.get(uid)
                if f is not None:
                    mine[uid] = f
                    continue
                kids = [mine[c] for c in new.children.get(uid, ()) if c in mine and not (is_stock and c in closed)]
                if kids:
                    mine[uid] = _combine(ind.value_type, ind.unit_aggregation, kids)
                else:
                    mine.pop(uid, None)
        if new_tree:
            new._carry_coverage_to_tree(self, changed, order)
        else:
            new._carry_coverage(self, changed)
        return new

    @classmethod
    def many(cls, *, root: OrgUnit, periods, indicators=None, layer: str = Layer.OFFICIAL) -> list["Rollup"]:
        """One Rollup per (year, from_quarter, quarter) period, for the cost of one.

        Kept in `indicators.figure_cache` under the data version: the fold of a subtree and its periods
        is computed once, then brought up to date from the change log after each write
        (`_refreshed_all`); after a change the log cannot describe, the data is asked what differs
        (`_rechecked_all`), and only too large a change folds again.
        """
        periods = [tuple(p) for p in periods]
        indicators = list(indicators) if indicators is not None else list(Indicator.objects.in_report_order())
        what = (root.pk, tuple(periods), tuple(i.pk for i in indicators), str(layer))

        def fold() -> tuple["Rollup", ...]:
            shared = _Shared(root=root, years={p[0] for p in periods}, indicators=indicators, layer=layer)
            out = tuple(
                cls(root=root, year=y, from_quarter=f, quarter=q, indicators=indicators, _shared=shared) for y, f, q in periods
            )
            shared.settle()
            return out

        def weight(out) -> int:
            return len(out[0]._tree.unit_ids) + sum(len(f) for r in out for f in r.figures.values())

        kept = figure_cache.kept(
            "rollups",
            what,
            fold,
            weight=weight,
            refresh=cls._refreshed_all,
            refresh_limit=cls._refresh_limit,
            refresh_tree=True,
            recheck=cls._rechecked_all,
            snapshot=True,
        )
        return [r._bound_to(root, indicators) for r in kept]

    def _bound_to(self, root: OrgUnit, indicators: list[Indicator]) -> "Rollup":
        """This roll-up with the caller's unit and indicators, read just now: a kept roll-up outlives a rename
        (`data_version`), so names shown beside its figures come from the request, never from the fold."""
        if self.root is root and self.indicators is indicators:
            return self
        new = copy.copy(self)  # the figures and memos are shared, only the labelled objects are the caller's
        new.root, new.indicators, new._by_id = root, indicators, {i.pk: i for i in indicators}
        return new

    @staticmethod
    def _refresh_limit(older: tuple["Rollup", ...]) -> int:
        """How many written (unit, year) cells are still cheaper to refresh than to fold again: 40 % of the unit-years.

        Measured on the national dashboard at 10 M values (49 k unit-years): a refresh costs ~0.25 s plus
        ~0.15 ms a cell (20 k cells: 3.2 s), a fold 5.6 s; the margin covers trees folding faster per unit.
        """
        shared = older[0]._shared
        return int(0.4 * len(shared.tree.unit_ids) * len(shared.years))

    @staticmethod
    def _rechecked_all(older: tuple["Rollup", ...]) -> tuple["Rollup", ...] | None:
        """Kept roll-ups brought up to date after a change the log cannot describe, by asking the data what differs.

        Raw SQL, a bulk update or a restored database leaves no cells in the log; a fold would read every
        value again. Instead the rule's inputs are read in their cheap forms and compared with what the fold
        read: the indicators' rules (any change, or one gone: None, fold), the unit tree, the layer's
        quarters and each unit-year's cell digest (one grouped query, no pivot). The unit-years that differ
        are refreshed as logged writes are. Two different sets of cells summing to the same 48-bit hashes
        would go unnoticed: a chance of one in 2⁴⁸ per unit-year changed.

        The `all` layer folds: what it counts as reported includes quarters typed into drafts, which its
        kept form does not tell apart from submitted ones.
        """
        shared = older[0]._shared
        allowed = LAYER_STATUSES[shared.layer]
        if allowed is None:
            return None
        rules = Indicator.figure_fields
        now = {i.pk: i for i in Indicator.objects.filter(pk__in=[i.pk for i in shared.indicators]).only(*rules)}
        for ind in shared.indicators:
            if ind.pk not in now or any(getattr(now[ind.pk], f) != getattr(ind, f) for f in rules):
                return None
        tree = unit_tree(shared.tree.root.pk)
        if tree is None:
            return None
        years, limit = shared.years, max(figure_cache.MAX_REFRESHED_CELLS, Rollup._refresh_limit(older))
        moved = set() if tree is shared.tree else tree.changed_from(shared.tree)
        if len(moved) * len(years) > limit:
            return None
        # The tree's scope, as the fold reads: the same units. A list of a nation's ids (2,075 at 1 M values) cost more
        # to send and plan than the path join (quarters 19 against 16 ms, one indicator's digests 11 against 2 ms).
        changes = shared.cells_differing(tree, list(now)) | shared.quarters_differing(tree, allowed)
        changes.update((u, y) for u in moved for y in years)
        if len(changes) > limit:
            return None
        # The tree read now replaces the kept one where it differs at all: its paths serve the next queries.
        return Rollup._refreshed_all(older, changes, tree if moved or tree.paths != shared.tree.paths else None)

    @staticmethod
    def _refreshed_all(
        older: tuple["Rollup", ...], changes: set[tuple[int, int]], tree: UnitTree | None = None
    ) -> tuple["Rollup", ...] | None:
        """Kept roll-ups of an older committed version brought up to date for the (unit id, year) cells written since.

        After a change to the unit tree (`changes.tree`) the tree is read again and compared with the kept
        one: the units that differ count as changed in every year (None, to fold anew, when that is more
        than a refresh is worth). `tree`: the tree as it is now, read and compared already (a recheck).
        """
        shared = older[0]._shared
        years = shared.years
        new_tree, tree = tree, shared.tree
        if new_tree is None and getattr(changes, "tree", False):
            new_tree = unit_tree(tree.root.pk)  # the root as it is now (it may have moved), read with its tree only
            if new_tree is None:
                return None
            moved = new_tree.changed_from(tree)
            if len(moved) * len(years) > max(figure_cache.MAX_REFRESHED_CELLS, Rollup._refresh_limit(older)):
                return None
            changes = set(changes) | {(u, y) for u in moved for y in years}
        changed: dict[int, set[int]] = defaultdict(set)
        for unit, year in changes:
            if year in years and (unit in tree.kind_of or (new_tree is not None and unit in new_tree.kind_of)):
                changed[year].add(unit)
        if not changed and new_tree is None:
            return older
        # A tree that changed elsewhere still replaces the kept one: the paths its later queries use may differ.
        fresh = shared.refreshed(changed, new_tree)
        out = tuple(
            r._refreshed(fresh, changed[r.year], new_tree is not None) if r.year in changed else r._rebased(fresh) for r in older
        )
        fresh.settle()
        figure_cache.refreshes += 1
        return out

    def _rebased(self, shared: "_Shared") -> "Rollup":
        """A copy on the refreshed shared data (coverage reads the new statuses), with the same figures."""
        new = object.__new__(Rollup)
        new._setup(shared.tree.root, self.year, self.quarter, self.from_quarter, self.indicators, shared)
        new.own, new.figures = self.own, self.figures
        new._carry_coverage(self, set())
        return new

    def _carry_coverage(self, old: "Rollup", changed: set[int]) -> None:
        """Coverage worked out for `old`, brought up to date for the units whose reports changed this year.

        The units expected are the same (same tree, same period); a changed unit that now counts as
        reported, or no longer does, moves the reported count of itself and each unit above it by one.
        """
        if not changed:  # nothing reported differently this year: the same counts and units serve
            self._reporting.update(old._reporting)
            self._coverage.update(old._coverage)
            self._reported_of_kinds.update(old._reported_of_kinds)
            self._reported_units.update(old._reported_units)
            return
        moved: dict[bool, dict[int, int]] = {}
        for is_stock, (opened, reported) in old._reporting.items():
            now = set(reported) - changed
            now.update(u for u in changed if u in opened and self._has_reported(u, is_stock))
            self._reporting[is_stock] = (opened, frozenset(now))
            moved[is_stock] = {u: (u in now) - (u in reported) for u in changed if (u in now) != (u in reported)}
        kind_of, parent_of = self._tree.kind_of, self._tree.parent_of
        for (kinds, is_stock), (done, due) in old._coverage.items():
            deltas = moved.get(is_stock)
            if deltas is None:
                continue
            if deltas := {u: d for u, d in deltas.items() if kind_of[u] in kinds}:
                done = defaultdict(int, done)
                for uid, d in deltas.items():
                    while uid is not None:
                        done[uid] += d
                        uid = parent_of.get(uid)
            self._coverage[(kinds, is_stock)] = (done, due)

    def _carry_coverage_to_tree(self, old: "Rollup", changed: set[int], order: list[int]) -> None:
        """Coverage worked out for `old`, carried to another tree: `changed` holds every unit that differs
        (`UnitTree.changed_from`) or reported differently, `order` them and their ancestors here, deepest first.

        Whether a changed unit is expected and has reported is asked again; the counts of each unit in
        `order` are added up again from its children, whose counts stand where no changed unit is below
        them. The sets of units reported are worked out again when asked.
        """
        tree = self._tree
        for is_stock, (opened, reported) in old._reporting.items():
            here = {u for u in changed if u in tree.kind_of}
            if is_stock:
                now_open = {u for u in here if tree.is_open_on(u, self.end)}
            else:
                now_open = {u for u in here if tree.is_open_between(u, self.start, self.end)}
            now_reported = (reported - changed) | {u for u in now_open if self._has_reported(u, is_stock)}
            self._reporting[is_stock] = (frozenset((opened - changed) | now_open), frozenset(now_reported))
        kind_of, children = tree.kind_of, tree.children
        for (kinds, is_stock), (done, due) in old._coverage.items():
            opened, reported = self._reporting[is_stock]
            done, due = defaultdict(int, done), defaultdict(int, due)  # copies; `.get` and `.pop` add no entry
            for u in changed - tree.kind_of.keys():  # no longer in the tree
                done.pop(u, None)
                due.pop(u, None)
            for uid in order:
                expected = int(uid in opened and kind_of[uid] in kinds)
                counted = int(expected and uid in reported)
                for c in children.get(uid, ()):
                    expected += due.get(c, 0)
                    counted += done.get(c, 0)
                if expected:
                    due[uid], done[uid] = expected, counted
                else:
                    due.pop(uid, None)
                    done.pop(uid, None)
            self._coverage[(kinds, is_stock)] = (done, due)

    @property
    def is_provisional(self) -> bool:
        return self.layer != Layer.OFFICIAL

    # -- step 1: over time, per unit ----------------------------------------------------------
    def _own_figures(self, cells) -> dict[int, dict[int, Figure]]:
        """indicator id → unit id → the unit's own figure over quarters F..Q of the year's cells.

        Nested by indicator, as `figures` is: no (indicator, unit) key tuple per figure, and a refresh
        copies only the indicators a write touched.
        """
        own: dict[int, dict[int, Figure]] = {i.pk: {} for i in self.indicators}
        # Per indicator: its value type, how its quarters fold, and its figures (this loop runs per cell).
        how = {
            i.pk: (i.value_type, i.time_aggregation == TimeAggregation.LAST, i.value_type == ValueType.RATIO, own[i.pk])
            for i in self.indicators
        }
        first, last = self.from_quarter, self.quarter
        value_at = range(3 * first, 3 * last + 1, 3)  # where the period's quarters' values sit in a row
        for r in cells:
            rule = how.get(r[0])
            if rule is None:
                continue
            value_type, is_last, is_ratio, mine = rule
            if is_last:
                for i in reversed(value_at):
                    if r[i] is not None or r[i + 1] is not None or r[i + 2] is not None:
                        # a ratio's numerator and denominator from the same quarter
                        mine[r[1]] = Figure(value_type, r[i], r[i + 1], r[i + 2])
                        break
            elif is_ratio:
                nums = [r[i + 1] for i in value_at if r[i + 1] is not None]
                if nums:
                    mine[r[1]] = Figure(value_type, None, sum(nums), sum(r[i + 2] for i in value_at if r[i + 2] is not None))
            else:
                values = [r[i] for i in value_at if r[i] is not None]
                if values:
                    mine[r[1]] = Figure(value_type, sum(values) if len(values) > 1 else values[0])
        return own

    # -- step 2: over units, deepest first ----------------------------------------------------
    def _roll_up(self):
        figures: dict[int, dict[int, Figure]] = {i.pk: {} for i in self.indicators}
        tree = self._tree
        rank, parent_of = tree.rank, tree.parent_of
        # A stock held by a unit closed before the period's end passed to its successors.
        closed = self.closed_units
        # Only a unit with a value of its own, or an ancestor of one, can have a figure: visit just
        # those, deepest first (a commune-only indicator touches ~1,000 units, a department one ~30).
        for ind in self.indicators:
            pk = ind.pk  # hoisted: Model.pk is a property, and this loop runs once per unit
            mine, own = figures[pk], self.own[pk]
            how = ind.unit_aggregation
            is_stock = ind.time_aggregation == TimeAggregation.LAST
            todo: set[int] = set()
            for uid in own:
                while uid is not None and uid not in todo:
                    todo.add(uid)
                    uid = parent_of.get(uid)
            for uid in sorted(todo, key=rank.__getitem__):
                f = own.get(uid)
                if f is not None:
                    mine[uid] = f
                    continue
                if is_stock:
                    kids = [mine[c] for c in self.children.get(uid, ()) if c in mine and c not in closed]
                else:
                    kids = [mine[c] for c in self.children.get(uid, ()) if c in mine]
                if kids:
                    mine[uid] = _combine(ind.value_type, how, kids)
        return figures

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
        is_stock = ind.time_aggregation == TimeAggregation.LAST
        out, stack = [], [unit_id or self.root.pk]
        while stack:
            uid = stack.pop()
            if uid in self.own[ind.pk]:  # a unit's own figure, where it has one, is its figure
                out.append(uid)
            elif uid in self.figures[ind.pk]:
                stack.extend(c for c in self.children.get(uid, ()) if not (is_stock and self._closed(c)))
        return sorted(out, key=lambda u: self.code_of[u])

    @property
    def closed_units(self) -> frozenset[int]:
        """Units closed before the period's end: their stocks passed to their successors (step 2)."""
        return self._tree.closed_before(self.end)

    def _closed(self, uid: int) -> bool:
        return uid in self.closed_units

    @cached_property
    def _quarter_spans(self) -> list[tuple[int, datetime.date, datetime.date]]:
        """(quarter, first day, last day) of the period's quarters, computed once rather than per unit."""
        return [
            (q, Period(self.year, q).calendar_start, Period(self.year, q).calendar_end)
            for q in range(self.from_quarter, self.quarter + 1)
        ]

    # -- step 4: coverage ------------------------------------------------------------------------
    def _expects(self, uid: int, kinds: frozenset, is_stock: bool) -> bool:
        if self._tree.kind_of[uid] not in kinds:
            return False
        if is_stock:  # a stock is reported by the units open at the period's end
            return self._tree.is_open_on(uid, self.end)
        return self._tree.is_open_between(uid, self.start, self.end)

    def _has_reported(self, uid: int, is_stock: bool) -> bool:
        done, y = self._shared.reported_quarters(), self.year
        if is_stock:
            return (uid, y, self.quarter) in done
        tree = self._tree
        return all((uid, y, q) in done for q, first, last in self._quarter_spans if tree.is_open_between(uid, first, last))

    def coverage_of_kinds(self, kinds, *, is_stock: bool = False, unit_id: int | None = None) -> Coverage:
        """Coverage of units of `kinds` in a unit's subtree; one pass over the tree per (kinds, stock/flow)."""
        key = (frozenset(kinds), is_stock)
        counts = self._coverage.get(key)
        if counts is None:
            tree, kinds = self._tree, key[0]
            opened, reported = self._open_and_reported(is_stock)
            kind_of, parent_of = tree.kind_of, tree.parent_of
            done: dict[int, int] = defaultdict(int)
            due: dict[int, int] = defaultdict(int)
            for uid in tree.by_rank:  # children before parents; only units that count are carried up
                if uid in opened and kind_of[uid] in kinds:
                    due[uid] += 1
                    if uid in reported:
                        done[uid] += 1
                if uid in due:
                    parent = parent_of.get(uid)
                    if parent is not None:
                        due[parent] += due[uid]
                        done[parent] += done[uid]
            counts = self._coverage[key] = (done, due)
        uid = unit_id or self.root.pk
        return Coverage(counts[0].get(uid, 0), counts[1].get(uid, 0))

    def _open_and_reported(self, is_stock: bool) -> tuple[frozenset[int], frozenset[int]]:
        """The units that should report in the period (open in it; for a stock, at its end), and those that have."""
        found = self._reporting.get(is_stock)
        if found is None:
            tree = self._tree
            if is_stock:
                opened = frozenset(u for u in tree.unit_ids if tree.is_open_on(u, self.end))
            else:
                opened = frozenset(u for u in tree.unit_ids if tree.is_open_between(u, self.start, self.end))
            found = self._reporting[is_stock] = (opened, self._reported_among(opened, is_stock))
        return found

    def _reported_among(self, opened: frozenset[int], is_stock: bool) -> frozenset[int]:
        """The units of `opened` that have reported every quarter they owe (`_has_reported` of each, in set operations).

        A unit open the whole period owes each of its quarters: the units that reported them all are one
        intersection of each quarter's reported units. Only a unit opened or closed within the period (few)
        is asked quarter by quarter.
        """
        by_quarter, y, last = self._shared.reported_by_quarter(), self.year, self.quarter
        if is_stock:
            return opened & by_quarter.get((y, last), frozenset())
        owed = [by_quarter.get((y, q), frozenset()) for q in range(self.from_quarter, last + 1)]
        reported = opened.intersection(*owed)
        tree, start, end = self._tree, self.start, self.end
        partly = {u for u in tree.limited if u in opened and not tree.is_open_throughout(u, start, end)}
        if partly:
            reported = (reported - partly) | {u for u in partly if self._has_reported(u, is_stock)}
        return frozenset(reported)

    def coverage(self, indicator: Indicator | str, unit_id: int | None = None) -> Coverage:
        ind = self._indicator(indicator)
        return self.coverage_of_kinds(
            ind.reported_by_kinds, is_stock=ind.time_aggregation == TimeAggregation.LAST, unit_id=unit_id
        )

    def reported_units(self, indicator: Indicator | str, unit_id: int | None = None) -> frozenset[int]:
        """The units counted as reported in a figure's coverage (to compare like with like).

        Kept per (kinds, stock or flow, unit): the indicators that share their reporting kinds share the answer,
        worked out as one intersection in C of the reported units of those kinds with the unit's subtree.
        """
        ind = self._indicator(indicator)
        key = (frozenset(ind.reported_by_kinds), ind.time_aggregation == TimeAggregation.LAST)
        uid = unit_id or self.root.pk
        found = self._reported_units.get((key, uid))
        if found is None:
            of_kinds = self._reported_of_kinds.get(key)
            if of_kinds is None:
                kinds, kind_of = key[0], self._tree.kind_of
                _opened, reported = self._open_and_reported(key[1])  # the units reported are among those expected
                of_kinds = self._reported_of_kinds[key] = frozenset(u for u in reported if kind_of[u] in kinds)
            found = self._reported_units[(key, uid)] = of_kinds.intersection(self._tree.subtree(uid))
        return found

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


# -- step 5: the year before ----------------------------------------------------------------------
class Comparison(NamedTuple):
    """A figure, the same period of the year before, and whether the two may be compared."""

    figure: Figure
    coverage: Coverage
    previous: Figure
    previous_coverage: Coverage
    comparable: bool
    reason: str  # why not, when they are not ('' when comparable or when one side has no data)
    predecessors: tuple[str, ...]  # codes of the units succeeded whose figures `previous` includes

    @property
    def through_predecessors(self) -> bool:
        return bool(self.predecessors)

    def previous_json(self) -> dict:
        return {
            **self.previous.as_json(),
            "coverage": self.previous_coverage.as_json(),
            "comparable": self.comparable,
            "predecessors": list(self.predecessors),
        }


def compare(now: Rollup, before: Rollup, indicator: Indicator | str, unit_id: int | None = None) -> Comparison:
    """Step 5 for one figure: `before` is the same quarters of the year before, from the same `Rollup.many`.

    Kept on `now` (kept roll-ups are shared by requests): the reason is worded in the reader's language.
    """
    ind = now._indicator(indicator)
    uid = unit_id or now.root.pk
    key = (id(before), ind.pk, uid, get_language())
    found = now._compared.get(key)
    if found is None:
        found = now._compared[key] = _compare(now, before, ind, uid)
    return found


def _compare(now: Rollup, before: Rollup, ind: Indicator, uid: int) -> Comparison:
    tree = now._tree
    figure, cov = now.figure(ind, uid), now.coverage(ind, uid)
    is_stock = ind.time_aggregation == TimeAggregation.LAST
    # The units succeeded by the end of the period, less any already inside another one's subtree.
    lineage = [p for p in tree.lineage(uid, now.end) if not tree.is_within(p, uid)]
    lineage = [p for p in lineage if not any(q != p and tree.is_within(p, q) for q in lineage)]
    split = [p for p in lineage if tree.successor_count(p) > 1]
    if split:
        codes = ", ".join(sorted(tree.code_of[p] for p in split))
        reason = _("Không có số liệu cùng kỳ tương ứng: %(u)s đã được chia cho nhiều đơn vị.") % {"u": codes}
        return Comparison(figure, cov, empty(ind), NO_COVERAGE, False, reason, ())
    # A stock of the year before is held by the units open at that period's end (step 2).
    members = [u for u in (uid, *lineage) if not (is_stock and u != uid and before._closed(u))]
    figs = [before.figure(ind, u) for u in members]
    present = [f for f in figs if not f.is_empty]
    if len(members) == 1 or not present:
        previous = figs[0] if len(members) == 1 else empty(ind)
    else:
        previous = _combine(ind.value_type, ind.unit_aggregation, present)
    prev_cov = reduce(lambda a, b: a + b, (before.coverage(ind, u) for u in members), NO_COVERAGE)
    used = tuple(sorted(tree.code_of[u] for u in members if u != uid))
    if figure.is_empty or previous.is_empty:
        return Comparison(figure, cov, previous, prev_cov, False, "", used)
    if cov.complete and prev_cov.complete:
        return Comparison(figure, cov, previous, prev_cov, True, "", used)
    # Counts first: `cov.reported` is the size of the units reported now, and `prev_cov.reported` adds up the
    # sizes of the members' sets (at least the size of their union, exactly it for one member).
    if cov.reported > prev_cov.reported or (len(members) == 1 and cov.reported != prev_cov.reported):
        same_units = False
    else:
        same_units = now.reported_units(ind, uid) == frozenset().union(*(before.reported_units(ind, u) for u in members))
    if same_units:
        return Comparison(figure, cov, previous, prev_cov, True, "", used)
    reason = _("Không so sánh được: năm nay %(now)s, cùng kỳ năm trước %(before)s.") % {
        "now": cov.display,
        "before": prev_cov.display,
    }
    return Comparison(figure, cov, previous, prev_cov, False, reason, used)


# -- entry points -----------------------------------------------------------------------------------
def figures_for(
    *, org_unit: OrgUnit, year: int, quarter: int = 4, from_quarter: int = 1, indicators=None, layer: str = Layer.OFFICIAL
) -> dict[str, Figure]:
    """Figures of one unit (its subtree rolled up), keyed by indicator code, in report order."""
    (rollup,) = Rollup.many(root=org_unit, periods=[(year, from_quarter, quarter)], indicators=indicators, layer=layer)
    return rollup.for_unit()


def figure_for(
    *, indicator: Indicator, org_unit: OrgUnit, year: int, quarter: int = 4, from_quarter: int = 1, layer: str = Layer.OFFICIAL
) -> Figure:
    (rollup,) = Rollup.many(root=org_unit, periods=[(year, from_quarter, quarter)], indicators=[indicator], layer=layer)
    return rollup.figure(indicator)


def document_coverage(rollup: Rollup, unit_id: int | None = None) -> Coverage:
    """How many of the units that report anything in the period have reported it (in the layer)."""
    kinds = {k for i in rollup.indicators for k in i.reported_by_kinds}
    return rollup.coverage_of_kinds(kinds, unit_id=unit_id)


def figures_document(*, org_unit: OrgUnit, year: int, quarter: int = 4, indicators=None, layer: str = Layer.OFFICIAL) -> dict:
    """The JSON document of a unit's figures: the API, export_report, publishing and tests share it."""
    now, before = Rollup.many(
        root=org_unit, periods=[(year, 1, quarter), (year - 1, 1, quarter)], indicators=indicators, layer=layer
    )
    figures = {}
    for ind in now.indicators:
        c = compare(now, before, ind)
        figures[ind.code] = {**c.figure.as_json(), "previous": c.previous_json(), "coverage": c.coverage.as_json()}
    return {
        "year": year,
        "quarter": quarter,
        "org_unit": org_unit.code,
        "status": str(layer),
        "provisional": provisional_note(layer),
        "coverage": document_coverage(now).as_json(),
        "figures": figures,
    }


def report_document(*, org_unit: OrgUnit, year: int, quarter: int = 4, layer: str = Layer.OFFICIAL) -> dict:
    """The annual report's figures as JSON (every active indicator)."""
    return figures_document(org_unit=org_unit, year=year, quarter=quarter, layer=layer)
