"""Kept roll-ups brought up to date from the change log agree with the reference rule after random writes.

Hypothesis builds a random world (as in test_rule_properties), commits it, folds it
through `Rollup.many` (every figure, coverage and comparison asked, so that there is
something to carry over), then commits a few random writes — values set, cleared or wiped for a year,
submissions moved to another status or removed; or, in the second test, changes to the
tree: units moved, closed, reopened, retyped, given or stripped of predecessors — and asks
again: the answer must come from the refresh (not a new fold) and equal the reference
rule's on the changed world, for every unit's figure, coverage and year before. The third
test makes the same writes and tree changes but leaves the log saying "anything changed", as
raw SQL does: the kept roll-ups must then be rechecked against the data (not folded) and still
agree with the reference. The fourth (PostgreSQL) makes the writes as SQL on a connection of its own,
as psql does: the database logs their cells itself and the kept roll-ups are refreshed from that, as
after the portal's own writes. These commit, as production does, so each world is deleted again at
the end of its example.
"""

import os
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators import aggregation, figure_cache, fold_sql
from indicators import reference_rule as ref
from indicators.aggregation import Rollup
from indicators.completeness import _completeness, completeness
from indicators.models import DataValue, Submission
from organizations.models import DataChange, OrgUnit
from organizations.services import tree_rebuild_paths
from tests.conftest import reseed
from tests.indicators.test_rule_properties import (
    CLOSINGS,
    KINDS,
    STATUSES,
    check,
    load,
    prepared,
    scope,
    typed_values,
    worlds,
)

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES = max(20, int(os.environ.get("RULE_EXAMPLES", "150")) // 3)

writes = st.lists(
    st.tuples(
        st.integers(0, 6),  # which unit (modulo the world's size)
        st.sampled_from([2024, 2025]),
        st.integers(1, 4),
        st.sampled_from(["set", "clear", "wipe", "status"]),
        st.integers(0, 10_000),
        st.sampled_from(STATUSES),
    ),
    min_size=1,
    max_size=5,
)


@pytest.fixture
def catalogue():
    reseed()  # transactional tests start from an empty database


def apply(objs, indicator, values, statuses, change) -> bool:
    """One committed write, through the ORM as the services write; the reference world follows. Did it change anything?"""
    i, year, q, action, n, status = change
    uid = i % len(objs)
    unit, key = objs[uid], (uid, year, q)
    if action == "set":
        v = typed_values(indicator, [key], [n])[key]
        DataValue.objects.update_or_create(
            indicator=indicator, org_unit=unit, year=year, quarter=q,
            defaults={"value": v[0], "numerator": v[1], "denominator": v[2]},
        )  # fmt: skip
        values[key] = v
        return True
    if action == "wipe":  # every quarter of the unit's year: its figure for any period goes
        for k in [k for k in values if k[:2] == (uid, year)]:
            del values[k]
        return DataValue.objects.filter(indicator=indicator, org_unit=unit, year=year).delete()[0] > 0
    if action == "clear":
        values.pop(key, None)
        return DataValue.objects.filter(indicator=indicator, org_unit=unit, year=year, quarter=q).delete()[0] > 0
    if status:
        Submission.objects.update_or_create(org_unit=unit, year=year, quarter=q, defaults={"status": status})
        statuses[key] = status
        return True
    statuses[key] = None
    return Submission.objects.filter(org_unit=unit, year=year, quarter=q).delete()[0] > 0


def remove(objs):
    ids = [u.pk for u in objs.values()]
    DataValue.objects.filter(org_unit_id__in=ids).delete()
    Submission.objects.filter(org_unit_id__in=ids).delete()
    for unit in OrgUnit.objects.filter(pk__in=ids).order_by("-depth"):  # as they are now: a test may have moved them
        unit.predecessors.clear()
        unit.delete()


def loaded(world, numbers):
    """The example's world committed: its units' objects, its units, values and statuses as the reference has
    them, and the case every check takes (indicator, rule, first and last quarter, layer)."""
    units, _code, _keys, statuses, _a, _b, layer = world
    indicator, values, rule, first, last = prepared(world, numbers)
    objs = load(units, indicator, values, statuses, values)
    return objs, units, values, statuses, (indicator, rule, first, last, layer)


def folded_and_checked(objs, units, values, statuses, indicator, rule, first, last, layer) -> None:
    """Every unit's figure, coverage and year before through `Rollup.many` (kept, or refreshed), against the reference.

    Asked before the writes too, so that the refresh has coverage and comparisons to carry over.
    """
    root = OrgUnit.objects.get(pk=objs[0].pk)
    periods = [(2025, first, last), (2024, first, last)]
    now, before = Rollup.many(root=root, periods=periods, indicators=[indicator], layer=layer)
    w = ref.World(units, dict(values), {k: s for k, s in statuses.items() if s})
    for uid in objs:
        check(w, rule, indicator, now, before, uid, OrgUnit.objects.get(pk=objs[uid].pk), first, last, layer)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(world=worlds(), numbers=st.lists(st.integers(0, 10_000), min_size=64, max_size=64), changes=writes)
def test_refreshed_rollups_agree_with_the_reference_after_random_writes(catalogue, world, numbers, changes):
    objs, units, values, statuses, case = loaded(world, numbers)
    indicator = case[0]
    try:
        folded_and_checked(objs, units, values, statuses, *case)
        wrote = [apply(objs, indicator, values, statuses, change) for change in changes]
        refreshes = figure_cache.refreshes
        folded_and_checked(objs, units, values, statuses, *case)
        # Brought up to date from the log, not folded again (and kept as it was when nothing was written).
        assert figure_cache.refreshes == refreshes + any(wrote)
    finally:
        remove(objs)


tree_changes = st.lists(
    st.tuples(
        st.sampled_from(["move", "close", "reopen", "kind", "succeed", "unsucceed"]),
        st.integers(1, 6),  # which unit (modulo the world's size; never the root)
        st.integers(0, 6),  # the other unit: a new parent, a predecessor
        st.sampled_from(CLOSINGS),
        st.sampled_from(KINDS),
    ),
    min_size=1,
    max_size=4,
)


def _below(units, uid) -> set[int]:
    out, stack = set(), [uid]
    while stack:
        u = stack.pop()
        out.add(u)
        stack.extend(k for k, v in units.items() if v.parent == u)
    return out


def reshape(objs, units, change) -> bool:
    """One committed change to the tree, through the ORM as the admin and the unit import write. Did it change anything?"""
    action, i, j, day, kind = change
    uid, other = 1 + i % (len(objs) - 1), j % len(objs)
    unit, u = OrgUnit.objects.get(pk=objs[uid].pk), units[uid]
    if action == "reopen":  # as often as any other change: a unit expected again must bring its submission back
        action, day = "close", None
    if action == "move":
        if other in _below(units, uid) or other == u.parent:
            return False
        unit.parent = OrgUnit.objects.get(pk=objs[other].pk)
        unit.save()
        tree_rebuild_paths()
        u.parent = other
    elif action == "close":
        if day == u.valid_to or (day and u.valid_from and day < u.valid_from):
            return False
        unit.valid_to = u.valid_to = day
        unit.save()
    elif action == "kind":
        if kind == u.kind:
            return False
        unit.kind = u.kind = kind
        unit.save()
    elif action == "succeed":
        if other in (0, uid) or other in u.predecessors:
            return False
        unit.predecessors.add(objs[other])
        u.predecessors = [*u.predecessors, other]
    else:
        if not u.predecessors:
            return False
        unit.predecessors.clear()
        u.predecessors = []
    return True


def seen(done, root) -> tuple:
    """What the review page and the dashboard show of a Completeness: every list in order, and each child's counts."""

    def units(statuses):
        return [(s.unit.pk, s.unit.code, s.unit.path, s.unit.kind, s.status) for s in statuses]

    return (
        units(done.units), units(done.reported), units(done.on_time), units(done.late), units(done.missing),
        done.counts_by_child(root),
    )  # fmt: skip


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    world=worlds(),
    numbers=st.lists(st.integers(0, 10_000), min_size=64, max_size=64),
    changes=tree_changes,
    also=st.lists(writes, max_size=1),  # sometimes values or submissions written too, between the tree's changes
)
def test_refreshed_rollups_agree_with_the_reference_after_random_changes_to_the_tree(catalogue, world, numbers, changes, also):
    objs, units, values, statuses, case = loaded(world, numbers)
    indicator, _rule, _first, last, _layer = case
    try:
        folded_and_checked(objs, units, values, statuses, *case)
        who = {"root": objs[0], "year": 2025, "quarter": last, "include_root": False}
        seen(completeness(**who), objs[0])  # every list worked out, so that there is something to carry over
        changed = [reshape(objs, units, change) for change in changes]
        changed += [apply(objs, indicator, values, statuses, change) for some in also for change in some]
        refreshes = figure_cache.refreshes
        folded_and_checked(objs, units, values, statuses, *case)
        assert figure_cache.refreshes == refreshes + any(changed)  # the tree compared, not the values folded again
        # Who has reported, carried over to the new tree, is who a fresh look finds.
        root = OrgUnit.objects.get(pk=objs[0].pk)
        who["root"] = root
        assert seen(completeness(**who), root) == seen(_completeness(**who), root)
    finally:
        remove(objs)


@settings(
    max_examples=max(20, EXAMPLES // 2),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    world=worlds(),
    numbers=st.lists(st.integers(0, 10_000), min_size=64, max_size=64),
    changes=writes,
    reshaped=st.lists(tree_changes, max_size=1),  # sometimes the tree changed too
    whole=st.booleans(),  # read from every unit's rows, or joined on the tree's paths (`UnitTree.scope`)
    # The first pass's ranges of unit ids (`_Shared.cells_differing`): one unit each, a few, or all of a world's;
    # the ranges that differ read again by their ids, or (as when most differ) every unit-year.
    width=st.sampled_from([1, 2, 3, 256]),
    by_ids=st.booleans(),
)
def test_rechecked_rollups_agree_with_the_reference_after_changes_the_log_cannot_describe(
    catalogue, world, numbers, changes, reshaped, whole, width, by_ids
):
    at_most = aggregation._RANGE_IDS_AT_MOST if by_ids else 0
    with (
        scope(whole),
        mock.patch.object(fold_sql, "BUCKET_WIDTH", width),
        mock.patch.object(aggregation, "_RANGE_IDS_AT_MOST", at_most),
    ):
        rechecked_agree(world, numbers, changes, reshaped)


def rechecked_agree(world, numbers, changes, reshaped) -> None:
    objs, units, values, statuses, case = loaded(world, numbers)
    indicator, layer = case[0], case[-1]
    whos = [{"root": objs[0], "year": 2025, "quarter": q, "include_root": False} for q in (1, 2, 3, 4)]
    try:
        folded_and_checked(objs, units, values, statuses, *case)
        for who in whos:  # who has reported in each quarter, every list worked out, to be rechecked too
            seen(completeness(**who), objs[0])
        logged = DataChange.objects.order_by("-number").values_list("number", flat=True).first() or 0
        for change in changes:
            apply(objs, indicator, values, statuses, change)
        for some in reshaped:
            for change in some:
                reshape(objs, units, change)
        # What a DBA's SQL and `mark_data_changed` leave: versions whose log says "anything", no cells.
        moved = DataChange.objects.filter(number__gt=logged).update(cells=None) > 0  # did anything commit?
        rechecks = figure_cache.rechecks["rollups"]
        folded_and_checked(objs, units, values, statuses, *case)
        # Asked the data what differs rather than folded, except in `all`, which folds (`_rechecked_all`).
        assert figure_cache.rechecks["rollups"] == rechecks + (moved and layer != "all")
        # Who has reported, rechecked by the digests of its units and submissions, is who a fresh look finds.
        rechecked_who = figure_cache.rechecks["completeness"]
        root = OrgUnit.objects.get(pk=objs[0].pk)
        for who in whos:
            who["root"] = root
            assert seen(completeness(**who), root) == seen(_completeness(**who), root)
        assert figure_cache.rechecks["completeness"] == rechecked_who + 4 * moved
    finally:
        remove(objs)


def apply_outside(cursor, objs, indicator, values, statuses, change) -> None:
    """`apply` as SQL a DBA types in psql: on a connection of the database's own, which logs it (PostgreSQL)."""
    i, year, q, action, n, status = change
    uid = i % len(objs)
    unit, key = objs[uid], (uid, year, q)
    cell = {"indicator": indicator.pk, "unit": unit.pk, "year": year, "quarter": q}
    if action == "set":
        v = typed_values(indicator, [key], [n])[key]
        cursor.execute(
            f"INSERT INTO {DataValue._meta.db_table} (indicator_id, org_unit_id, year, quarter, value, numerator,"
            " denominator, note, version, updated_at) VALUES (%(indicator)s, %(unit)s, %(year)s, %(quarter)s, %(value)s,"
            " %(numerator)s, %(denominator)s, '', 1, now()) ON CONFLICT (indicator_id, org_unit_id, year, quarter)"
            " DO UPDATE SET value = EXCLUDED.value, numerator = EXCLUDED.numerator, denominator = EXCLUDED.denominator",
            {**cell, "value": v[0], "numerator": v[1], "denominator": v[2]},
        )
        values[key] = v
    elif action in ("wipe", "clear"):
        for k in [k for k in values if k[:2] == (uid, year) and (action == "wipe" or k == key)]:
            del values[k]
        quarter = "" if action == "wipe" else " AND quarter = %(quarter)s"
        cursor.execute(
            f"DELETE FROM {DataValue._meta.db_table} WHERE indicator_id = %(indicator)s AND org_unit_id = %(unit)s"
            f" AND year = %(year)s{quarter}",
            cell,
        )
    elif status:
        cursor.execute(
            f"INSERT INTO {Submission._meta.db_table} (org_unit_id, year, quarter, status, comment, updated_at) VALUES"
            " (%(unit)s, %(year)s, %(quarter)s, %(status)s, '', now()) ON CONFLICT (org_unit_id, year, quarter)"
            " DO UPDATE SET status = EXCLUDED.status",
            {**cell, "status": status},
        )
        statuses[key] = status
    else:
        statuses[key] = None
        cursor.execute(
            f"DELETE FROM {Submission._meta.db_table} WHERE org_unit_id = %(unit)s AND year = %(year)s AND quarter = %(quarter)s",
            cell,
        )


@pytest.mark.postgres
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    world=worlds(),
    numbers=st.lists(st.integers(0, 10_000), min_size=64, max_size=64),
    changes=writes,
    transactions=st.integers(1, 3),
)
def test_rollups_refreshed_from_what_the_database_logged_agree_with_the_reference(
    catalogue, world, numbers, changes, transactions
):
    from tests.indicators.test_database_change_log import outside

    objs, units, values, statuses, case = loaded(world, numbers)
    indicator = case[0]
    whos = [{"root": objs[0], "year": 2025, "quarter": q, "include_root": False} for q in (1, 2, 3, 4)]
    try:
        folded_and_checked(objs, units, values, statuses, *case)
        for who in whos:  # who has reported in each quarter, every list worked out, to be rechecked too
            seen(completeness(**who), objs[0])
        logged = DataChange.objects.order_by("-number").values_list("number", flat=True).first() or 0
        conn = outside()
        try:  # the writes in one to three transactions, as a DBA's session commits them
            for t in range(transactions):
                with conn, conn.cursor() as cursor:
                    for change in changes[t::transactions]:
                        apply_outside(cursor, objs, indicator, values, statuses, change)
        finally:
            conn.close()
        rechecks, refreshes = figure_cache.rechecks["rollups"], figure_cache.refreshes
        folded_and_checked(objs, units, values, statuses, *case)
        # Every commit that wrote logged its cells itself; the kept roll-ups were refreshed, never rechecked.
        since = DataChange.objects.filter(number__gt=logged)
        assert not since.filter(cells__isnull=True).exists()
        assert figure_cache.rechecks["rollups"] == rechecks
        assert figure_cache.refreshes == refreshes + since.exists()
    finally:
        remove(objs)
