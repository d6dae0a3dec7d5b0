"""The fast rule (indicators.aggregation) against its plain reference (indicators.reference_rule).

Hypothesis builds random trees with random kinds, closures and successions, random
values in random quarters with random submission statuses, and asks both for every
unit's figure, coverage and year-before figure, in every layer and partial period —
through `Rollup.many`, the path every page and the API take, kept roll-ups included:
the whole tree's, then a random subtree's, then the whole tree's again from the cache.
Each world is read either by joining its units on their paths or from every unit's rows with
the other trees' (the demo province's) dropped as read, as a nation's tree is (`UnitTree.scope`).

RULE_EXAMPLES sets how many random worlds (CI runs thousands, on SQLite and PostgreSQL).
"""

import datetime
import os
from decimal import Decimal
from unittest import mock

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators import aggregation
from indicators import reference_rule as ref
from indicators.aggregation import Layer, Rollup, compare
from indicators.models import DataValue, Indicator, Submission
from organizations.models import OrgUnit

pytestmark = pytest.mark.django_db

CODES = ["grassroots_radio_broadcasts", "grassroots_stations_active", "edoc_commune_rate", "one_stop_shop_districts"]
KINDS = ["district", "commune", "department"]
CLOSINGS = [
    None,
    None,
    datetime.date(2024, 12, 31),
    datetime.date(2025, 2, 28),
    datetime.date(2025, 6, 30),
    datetime.date(2025, 8, 15),
]
OPENINGS = [None, None, datetime.date(2025, 3, 1), datetime.date(2025, 7, 1)]
STATUSES = [None, "draft", "submitted", "returned", "approved", "approved"]


@st.composite
def worlds(draw):
    n = draw(st.integers(2, 7))
    units = {0: ref.Unit(0, None, "province")}
    for i in range(1, n):
        opened = draw(st.sampled_from(OPENINGS))
        closed = draw(st.sampled_from(CLOSINGS))
        if opened and closed and closed < opened:
            closed = None
        units[i] = ref.Unit(i, draw(st.integers(0, i - 1)), draw(st.sampled_from(KINDS)), opened, closed)
    for i in range(1, n):
        units[i].predecessors = draw(st.lists(st.integers(1, n - 1).filter(lambda j, i=i: j != i), max_size=2, unique=True))
    code = draw(st.sampled_from(CODES))
    values, statuses = {}, {}
    for uid in units:
        for year in (2024, 2025):
            for q in (1, 2, 3, 4):
                statuses[(uid, year, q)] = draw(st.sampled_from(STATUSES))
                if draw(st.booleans()):
                    values[(uid, year, q)] = code  # filled in below, by type
    return units, code, values, statuses, draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.sampled_from(Layer.values))


def load(units, indicator, values, statuses, seed_values):
    objs = {}
    for uid in sorted(units):
        u = units[uid]
        parent = objs.get(u.parent)
        code = f"PBT{uid}"
        path = (parent.path if parent else "/") + code + "/"
        objs[uid] = OrgUnit.objects.create(
            code=code, name_vi=code, kind=u.kind, parent=parent, valid_from=u.valid_from, valid_to=u.valid_to,
            path=path, depth=path.count("/") - 2,
        )  # fmt: skip
    for uid, u in units.items():
        if u.predecessors:
            objs[uid].predecessors.set([objs[p] for p in u.predecessors])
    DataValue.objects.bulk_create(
        DataValue(indicator=indicator, org_unit=objs[uid], year=y, quarter=q, value=v[0], numerator=v[1], denominator=v[2])
        for (uid, y, q), v in seed_values.items()
    )
    Submission.objects.bulk_create(
        Submission(org_unit=objs[uid], year=y, quarter=q, status=s) for (uid, y, q), s in statuses.items() if s
    )
    return objs


def typed_values(indicator, keys, numbers):
    out = {}
    for key, n in zip(sorted(keys), numbers, strict=False):
        if indicator.value_type == "ratio":
            out[key] = (None, n % 7, 6 + n % 5)
        elif indicator.value_type == "percent":
            out[key] = (Decimal(n % 10001) / 100, None, None)
        else:
            out[key] = (Decimal(n), None, None)
    return out


def prepared(world, numbers):
    """The world's indicator, its typed values, the reference's rule for it, and the period's first and last quarter."""
    _units, code, keys, _statuses, a, b, _layer = world
    indicator = Indicator.objects.get(code=code)
    rule = ref.Rule(
        indicator.value_type, indicator.time_aggregation, indicator.unit_aggregation, set(indicator.reported_by_kinds)
    )
    return indicator, typed_values(indicator, keys, numbers), rule, min(a, b), max(a, b)


def same(a, b) -> bool:
    def norm(f):
        if f is None:
            return (None, None, None)
        v = None if f[0] is None else round(Decimal(f[0]), 10)
        return (v, f[1], f[2])

    return norm(a) == norm(b)


EXAMPLES = int(os.environ.get("RULE_EXAMPLES", "150"))


def scope(whole: bool):
    """Every tree read from the whole tables, other units' rows dropped as read (`whole`), or joined on its paths."""
    return mock.patch.object(aggregation, "_WHOLE_TABLE_SHARE", 0.0 if whole else 2.0)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    world=worlds(),
    numbers=st.lists(st.integers(0, 10_000), min_size=64, max_size=64),
    sub=st.integers(0, 6),
    whole=st.booleans(),
)
def test_the_fast_rule_agrees_with_the_reference_on_random_trees(world, numbers, sub, whole):
    units, _code, _keys, statuses, _a, _b, layer = world
    indicator, values, rule, first, last = prepared(world, numbers)
    w = ref.World(units, values, {k: s for k, s in statuses.items() if s})
    with scope(whole), transaction.atomic():
        objs = load(units, indicator, values, statuses, values)
        top = sub % len(objs)
        for root in (objs[0], objs[top], objs[0]):  # the last one comes from the kept roll-ups
            now, before = Rollup.many(
                root=root, periods=[(2025, first, last), (2024, first, last)], indicators=[indicator], layer=layer
            )
            for uid, unit in objs.items():
                if unit.path.startswith(root.path):
                    check(w, rule, indicator, now, before, uid, unit, first, last, layer)
        transaction.set_rollback(True)


def check(w, rule, indicator, now, before, uid, unit, first, last, layer):
    fast = now.figure(indicator, unit.pk)
    slow = ref.figure(w, rule, uid, 2025, first, last, layer)
    assert same(None if fast.is_empty else (fast.value, fast.numerator, fast.denominator), slow), (uid, fast, slow)
    assert tuple(now.coverage(indicator, unit.pk)) == ref.coverage(w, rule, uid, 2025, first, last, layer), uid
    c = compare(now, before, indicator, unit.pk)
    expected = ref.previous(w, rule, uid, 2025, first, last, layer)
    if expected == "split":
        assert not c.comparable and c.previous.is_empty and c.reason, uid
    else:
        got = None if c.previous.is_empty else (c.previous.value, c.previous.numerator, c.previous.denominator)
        assert same(got, expected), (uid, got, expected)
