"""Who has reported for a quarter: the review page and the dashboard both read this.

A unit is expected to report for a quarter when it is open during that quarter
and its kind reports at least one active indicator. It has reported when its
submission is submitted or approved; on time when that happened by the due date
(end of the Decree 09/2019 data window plus SUBMISSION_GRACE_DAYS).
"""

import bisect
import copy
import datetime
from dataclasses import dataclass, field
from functools import cached_property
from operator import attrgetter

from django.db import router
from django.db.models.expressions import RawSQL
from django.utils import timezone

from indicators import figure_cache, fold_sql
from indicators.models import Indicator, Submission, SubmissionStatus
from indicators.periods import Period
from organizations.models import OrgUnit


@dataclass
class UnitStatus:
    unit: OrgUnit
    submission: Submission | None

    @property
    def status(self) -> str:
        return self.submission.status if self.submission else "none"

    @property
    def has_reported(self) -> bool:
        return self.status in (SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED)

    @property
    def first_submitted_at(self) -> datetime.datetime | None:
        return self.submission.submitted_at if self.submission else None


@dataclass
class Completeness:
    """Who was expected to report and who has; kept per data version, so the lists are worked out once."""

    period: Period
    units: list[UnitStatus] = field(default_factory=list)
    # For a recheck (`_rechecked`): unit id → the digest of its submission row as read (`_digested`), and what
    # decided the expected units, read before they were (`_units_state`; None: not known, compare them row by row).
    digests: dict[int, int] = field(default_factory=dict)
    units_digest: tuple | None = None

    @property
    def expected(self) -> int:
        return len(self.units)

    @cached_property
    def reported(self) -> list[UnitStatus]:
        return [u for u in self.units if u.has_reported]

    @cached_property
    def cutoff(self) -> datetime.datetime:
        """Submitted on the due date or before, in local time: before the first instant of the day after it
        (one aware datetime to compare with, rather than a time-zone conversion per unit)."""
        return timezone.make_aware(datetime.datetime.combine(self.period.due_date + datetime.timedelta(days=1), datetime.time()))

    def is_on_time(self, s: UnitStatus) -> bool:
        return s.has_reported and s.first_submitted_at is not None and s.first_submitted_at < self.cutoff

    @cached_property
    def on_time(self) -> list[UnitStatus]:
        return [u for u in self.reported if self.is_on_time(u)]

    @cached_property
    def late(self) -> list[UnitStatus]:
        return [u for u in self.reported if not self.is_on_time(u)]

    @cached_property
    def missing(self) -> list[UnitStatus]:
        return [u for u in self.units if not u.has_reported]

    @cached_property
    def position(self) -> dict[int, int]:
        """Unit id → its place in `units` (the lists keep that order)."""
        return {s.unit.pk: n for n, s in enumerate(self.units)}

    def counts_by_child(self, root: OrgUnit) -> dict[str, tuple[int, int]]:
        """(expected, reported) of each child subtree of `root`, by the child's path (worked out once)."""
        memo = self.__dict__.setdefault("_by_child", {})
        found = memo.get(root.path)
        if found is None:
            counts: dict[str, list[int]] = {}
            for status in self.units:
                if status.unit.pk == root.pk:
                    continue
                c = counts.setdefault(_child_head(root.path, status.unit.path), [0, 0])
                c[0] += 1
                c[1] += status.has_reported
            found = memo[root.path] = {k: (e, r) for k, (e, r) in counts.items()}
        return found

    @property
    def overdue(self) -> bool:
        return timezone.localdate() > self.period.due_date

    @property
    def rate(self) -> float | None:
        """Share of expected units that reported, in percent (None when no unit is expected)."""
        return 100.0 * len(self.reported) / self.expected if self.expected else None


def _child_head(root_path: str, path: str) -> str:
    """The path of the child of the unit at `root_path` whose subtree holds the unit at `path`."""
    return root_path + path[len(root_path) :].split("/", 1)[0] + "/"


def reporting_kinds() -> set[str]:
    kinds: set[str] = set()
    for reported_by in Indicator.objects.active().values_list("reported_by", flat=True):
        kinds.update(k for k in reported_by.split(",") if k)
    return kinds


def completeness(*, root: OrgUnit, year: int, quarter: int, include_root: bool = True) -> Completeness:
    """Expected units of root's subtree for a quarter and their submission status (three queries, once per data version)."""
    return figure_cache.kept(
        "completeness",
        (root.pk, year, quarter, include_root),
        lambda: _completeness(root=root, year=year, quarter=quarter, include_root=include_root),
        weight=lambda c: len(c.units),
        refresh=lambda old, cells: _refreshed(old, year, cells, root=root, include_root=include_root),
        refresh_tree=True,
        recheck=lambda old: _rechecked(old, root=root, include_root=include_root),
    )


def _refreshed(old: Completeness, year: int, cells, *, root: OrgUnit, include_root: bool) -> Completeness:
    """The same expected units, with the submissions of the changed ones read again; the units read again
    when one was renamed (`cells.relabelled`: the lists show their names) or the tree changed (`cells.tree`).

    What was worked out for `old` carries over, patched for the changed units alone: at national size a
    list is tens of thousands of units, and one clerk's submission moves one of them.
    """
    if getattr(cells, "tree", False):
        old = _retreed(old, root=root, include_root=include_root)
    elif getattr(cells, "relabelled", False):
        old = _relabelled(old)
    position = old.position
    mine = sorted((unit for unit, y in cells if y == year and unit in position), key=position.__getitem__)
    if not mine:
        return old
    subs = {
        s.org_unit_id: s
        for s in _digested(Submission.objects.filter(org_unit_id__in=mine, year=year, quarter=old.period.quarter))
    }
    units, moved, swaps = list(old.units), [], []
    for pk in mine:
        n = position[pk]
        before = units[n]
        after = units[n] = UnitStatus(before.unit, subs.get(pk))
        swaps.append((n, before, after))
        if after.has_reported != before.has_reported:
            moved.append((before.unit, after.has_reported - before.has_reported))
    digests = {**old.digests, **{pk: subs[pk].row_digest for pk in mine if pk in subs}}
    for pk in mine:
        if pk not in subs:
            digests.pop(pk, None)
    new = Completeness(period=old.period, units=units, digests=digests, units_digest=old.units_digest)
    new.__dict__["position"] = position
    for name, belongs in _LISTS.items():
        if name in old.__dict__:
            new.__dict__[name] = _patched(old.__dict__[name], swaps, position, lambda s, b=belongs: b(new, s))
    # Each child's counts carry over: a changed unit that now has reported, or no longer has, moves its child's by one.
    carried = {}
    for root_path, counts in old.__dict__.get("_by_child", {}).items():
        counts = dict(counts)
        for unit, delta in moved:
            if unit.path != root_path and unit.path.startswith(root_path):
                head = _child_head(root_path, unit.path)
                expected, reported = counts[head]
                counts[head] = (expected, reported + delta)
        carried[root_path] = counts
    new.__dict__["_by_child"] = carried
    return new


# Which units each list of a Completeness holds, for patching a carried list (its cached_property builds it whole).
_LISTS = {
    "reported": lambda c, s: s.has_reported,
    "on_time": lambda c, s: c.is_on_time(s),
    "late": lambda c, s: s.has_reported and not c.is_on_time(s),
    "missing": lambda c, s: not s.has_reported,
}


def _patched(statuses: list[UnitStatus], swaps, position: dict[int, int], belongs) -> list[UnitStatus]:
    """A copy of a list in `units` order with each (place, old, new) status swapped: the old taken out, the new
    put in its place when it `belongs`; found by bisection, so the cost is in the changed units, not the list."""
    out = list(statuses)

    def place(s: UnitStatus) -> int:
        return position[s.unit.pk]

    for n, before, after in swaps:
        i = bisect.bisect_left(out, n, key=place)
        if i < len(out) and out[i] is before:
            del out[i]
        if belongs(after):
            out.insert(i, after)
    return out


def _rechecked(old: Completeness, *, root: OrgUnit, include_root: bool) -> Completeness:
    """`old` brought up to date after a change the log cannot describe (raw SQL, a restored database).

    The unit table's digest says whether any unit changed; if one did, the expected units are read again
    as rows (`_retreed`). The quarter's submissions are read as digests of their rows: the units whose
    digest differs from the one kept (or that gained or lost a submission) are patched as after a logged
    write, instead of every submission of the nation being read and compared field by field.
    """
    units_digest = _units_state()  # before the units: a change made meanwhile is seen next time
    new = old if old.units_digest == units_digest else _retreed(old, root=root, include_root=include_root)
    period = new.period
    position = new.position
    now = {
        unit: digest
        for unit, digest in _digested(_submissions(new.units, root, period)).values_list("org_unit_id", "row_digest")
        if unit in position
    }
    kept = new.digests
    changed = set() if now == kept else {(u, period.year) for u, _d in now.items() ^ kept.items()}
    new = _refreshed(new, period.year, changed, root=root, include_root=include_root)
    if new.units_digest != units_digest:
        if new is old:
            new = copy.copy(old)
        new.units_digest = units_digest
    return new


# What a Completeness shows of a unit: every column of its row (the lists show names, codes and paths).
_UNIT_FIELDS = [f.attname for f in OrgUnit._meta.concrete_fields]
_SUBMISSION_FIELDS = [f.attname for f in Submission._meta.concrete_fields]


def _units_state() -> tuple:
    """What decides the expected units besides the period: the unit table (its digest over every column) and
    the kinds that report an active indicator (a catalogue change moves them). Two queries."""
    return fold_sql.tree_digest(_UNIT_FIELDS), tuple(sorted(reporting_kinds()))


def _digested(submissions):
    """The submissions with `row_digest`, the hash of every column of the row (`fold_sql.row_digest_sql`)."""
    return submissions.annotate(row_digest=RawSQL(fold_sql.row_digest_sql(Submission, _SUBMISSION_FIELDS), ()))


def _submissions(units: list[UnitStatus] | list[OrgUnit], root: OrgUnit, period: Period):
    """The period's submissions of `units` (statuses or units): a national tree's thousands of ids cost more
    to send than joining the units on the subtree's path."""
    subs = Submission.objects.filter(year=period.year, quarter=period.quarter)
    if len(units) > 2000:
        return subs.filter(org_unit__path__startswith=root.path)
    return subs.filter(org_unit__in=[u.unit.pk if isinstance(u, UnitStatus) else u.pk for u in units])


def _relabelled(old: Completeness) -> Completeness:
    """The same statuses and counts, with the units as they are now named (one query)."""
    fresh = OrgUnit.objects.in_bulk([s.unit.pk for s in old.units])
    units = [UnitStatus(fresh.get(s.unit.pk, s.unit), s.submission) for s in old.units]
    new = Completeness(period=old.period, units=units, digests=old.digests)  # the unit table's digest moved
    new.__dict__["position"] = old.position  # the same units in the same order
    if "_by_child" in old.__dict__:
        new.__dict__["_by_child"] = old.__dict__["_by_child"]  # keyed by path, which a rename leaves alone
    return new


def _retreed(old: Completeness, *, root: OrgUnit, include_root: bool) -> Completeness:
    """Who is expected after a change to the tree, the submissions carried over (a tree change moves none).

    The expected units are read again as plain rows (a fraction of the cost of model instances at
    national size); a unit whose row is as before keeps its instance and submission, any other is
    made from its row, and only a unit newly expected has its submission read (one query, if any). When every
    unit is as it was, in the same order (a recheck that finds the tree unchanged), `old` itself comes back.
    """
    period = old.period
    fields = _UNIT_FIELDS
    rows = list(_expected_units(root, period, include_root).values_list(*fields))
    before = {s.unit.pk: s for s in old.units}
    alias = router.db_for_read(OrgUnit)
    as_row = attrgetter(*fields)  # a unit's fields in one call in C: this loop runs per unit of the nation
    units, new_ids, same = [], [], len(rows) == len(old.units)
    for n, row in enumerate(rows):
        kept = before.get(row[0])
        if kept is not None and as_row(kept.unit) == row:
            units.append(kept)
            same = same and old.units[n] is kept
            continue
        same = False
        units.append(UnitStatus(OrgUnit.from_db(alias, fields, row), kept.submission if kept else None))
        if kept is None:
            new_ids.append(row[0])
    digests = old.digests
    if new_ids:
        subs = {
            s.org_unit_id: s
            for s in _digested(Submission.objects.filter(org_unit__in=new_ids, year=period.year, quarter=period.quarter))
        }
        units = [UnitStatus(s.unit, subs.get(s.unit.pk)) if s.unit.pk in subs else s for s in units]
        digests = {**digests, **{pk: s.row_digest for pk, s in subs.items()}}
    if same:  # every unit as it was, in its place: what was worked out of `old` (its lists, each child's counts) holds
        return old
    expected = {s.unit.pk for s in units}
    return Completeness(period=period, units=units, digests={u: d for u, d in digests.items() if u in expected})


def _expected_units(root: OrgUnit, period: Period, include_root: bool):
    units = OrgUnit.objects.subtree_of(root).active_between(period.calendar_start, period.calendar_end)
    units = units.filter(kind__in=reporting_kinds())
    if not include_root:
        units = units.exclude(pk=root.pk)
    return units.order_by("path")


def _completeness(*, root: OrgUnit, year: int, quarter: int, include_root: bool) -> Completeness:
    period = Period(year, quarter)
    units_digest = _units_state()  # before the units: a change made meanwhile is seen by a recheck
    units = list(_expected_units(root, period, include_root))
    wanted = {u.pk for u in units}
    by_unit = {s.org_unit_id: s for s in _digested(_submissions(units, root, period)) if s.org_unit_id in wanted}
    return Completeness(
        period=period,
        units=[UnitStatus(u, by_unit.get(u.pk)) for u in units],
        digests={pk: s.row_digest for pk, s in by_unit.items()},
        units_digest=units_digest,
    )
