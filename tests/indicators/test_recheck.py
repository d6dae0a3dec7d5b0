"""After a change the change log cannot describe, kept figures are rechecked against the data, never served stale.

SQL the portal's own connection runs, on SQLite any SQL by hand (PostgreSQL logs other
sessions' writes itself: test_database_change_log.py), followed by `manage.py
mark_data_changed`; a bulk update; a restored database: the log says "anything may have changed". Rather than fold every value
again, a kept roll-up compares the cheap forms of its inputs (the catalogue's rules,
the unit tree, the layer's quarters, a digest of each unit-year's cells) and
refreshes only what differs; kept lists of who has reported compare the quarter's
submission rows. These commit (transaction=True), as production does.
"""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from indicators import figure_cache, fold_sql
from indicators.aggregation import Layer, Rollup, _bits_of, _Quarters, unit_tree
from indicators.completeness import _completeness, completeness
from indicators.models import DataValue, Indicator, Submission, SubmissionStatus, TimeAggregation
from organizations.models import OrgUnit
from tests.conftest import reseed
from tests.indicators.builders import put

pytestmark = pytest.mark.django_db(transaction=True)

UNIT = "HT-18073"  # a commune of the 2025 structure, open in 2031
CODE = "website_articles"
PERIODS = [(2031, 1, 4), (2031, 1, 2)]


@pytest.fixture(autouse=True)
def values():
    reseed()
    figure_cache.clear()
    put((UNIT, CODE, 2031, 1, 4), (UNIT, CODE, 2031, 2, 3))
    put((UNIT, "grassroots_radio_broadcasts", 2031, 3, 1))  # the commune's third quarter approved too


def roll_ups(layer=Layer.OFFICIAL):
    indicators = list(Indicator.objects.in_report_order())
    return Rollup.many(root=OrgUnit.objects.get(code="HT"), periods=PERIODS, indicators=indicators, layer=layer)


def folded_afresh(layer=Layer.OFFICIAL):
    with override_settings(FIGURE_CACHE_FIGURES=0):
        return roll_ups(layer)


def same_figures(kept, fresh) -> bool:
    return all(a.figures == b.figures and a.own == b.own for a, b in zip(kept, fresh, strict=True))


def by_hand(sql: str, params=()) -> None:
    """What no signal sees, then the command the operator runs after it."""
    with connection.cursor() as cur:
        cur.execute(sql.format(values=DataValue._meta.db_table, units=OrgUnit._meta.db_table), params)
    call_command("mark_data_changed", stdout=io.StringIO())


def unit_id(code=UNIT) -> int:
    return OrgUnit.objects.get(code=code).pk


def counters() -> tuple[int, int]:
    return figure_cache.rechecks["rollups"], figure_cache.refreshes


@pytest.mark.parametrize(
    "sql, total, first_half",
    [
        ("UPDATE {values} SET value = 10 WHERE org_unit_id = %s AND year = 2031 AND quarter = 1", 13, 13),
        ("DELETE FROM {values} WHERE org_unit_id = %s AND year = 2031 AND quarter = 2", 4, 4),
        (
            "INSERT INTO {values} (indicator_id, org_unit_id, year, quarter, value, numerator, denominator, note, as_of,"
            " version, updated_at, updated_by_id) SELECT indicator_id, org_unit_id, year, 3, 5, numerator, denominator,"
            " note, as_of, version, updated_at, updated_by_id FROM {values} WHERE org_unit_id = %s AND year = 2031"
            " AND quarter = 1",
            12,
            7,
        ),
    ],
    ids=["update", "delete", "insert"],
)
def test_values_written_by_hand_are_found_by_their_digests_and_only_their_unit_folded_again(sql, total, first_half):
    kept = roll_ups()
    assert kept[0].figure(CODE).value == 7
    rechecks, refreshes = counters()
    by_hand(sql, [unit_id()])
    now = roll_ups()
    assert (now[0].figure(CODE).value, now[1].figure(CODE).value) == (total, first_half)
    assert now[0].figure(CODE, unit_id()).value == total
    assert counters() == (rechecks + 1, refreshes + 1)  # asked the data, then refreshed what differs
    assert same_figures(now, folded_afresh())


def test_nothing_changed_by_the_sql_keeps_the_figures_as_they_were():
    kept = roll_ups()
    rechecks, refreshes = counters()
    by_hand("UPDATE {values} SET note = 'sửa ghi chú' WHERE org_unit_id = %s", [unit_id()])  # no figure reads a note
    now = roll_ups()
    assert counters() == (rechecks + 1, refreshes)
    assert now[0].figures == kept[0].figures


def test_a_quarter_reopened_by_hand_leaves_the_official_figures():
    roll_ups()
    by_hand(
        f"UPDATE {Submission._meta.db_table} SET status = %s WHERE org_unit_id = %s AND year = 2031 AND quarter = 1",
        [SubmissionStatus.DRAFT, unit_id()],
    )
    rechecks, _refreshes = counters()
    now = roll_ups()
    assert now[0].figure(CODE).value == 3  # the first quarter is a draft again: not official
    assert roll_ups(Layer.ALL)[0].figure(CODE).value == 7  # a draft still counts among every value entered
    assert figure_cache.rechecks["rollups"] >= rechecks + 1
    assert same_figures(now, folded_afresh())


def test_a_unit_moved_by_hand_takes_its_figures_to_its_new_parent():
    unit = OrgUnit.objects.get(code=UNIT)
    sibling = (
        OrgUnit.objects.filter(parent=unit.parent, kind=unit.kind, valid_to__isnull=True).exclude(pk=unit.pk).order_by("code")[0]
    )
    kept = roll_ups()
    assert kept[0].figure(CODE, sibling.pk).value is None
    rechecks, refreshes = counters()
    by_hand(
        "UPDATE {units} SET parent_id = %s, path = %s, depth = %s WHERE id = %s",
        [sibling.pk, f"{sibling.path}{unit.code}/", sibling.depth + 1, unit.pk],
    )
    now = roll_ups()
    assert now[0].figure(CODE, sibling.pk).value == 7  # the commune's values now roll up through its new parent
    assert now[0].figure(CODE).value == 7  # and still reach the province once
    assert counters() == (rechecks + 1, refreshes + 1)
    assert same_figures(now, folded_afresh())


def test_a_rule_changed_in_the_catalogue_folds_again_with_the_new_rule():
    roll_ups()
    rechecks, refreshes = counters()
    Indicator.objects.filter(code=CODE).update(time_aggregation=TimeAggregation.LAST)  # a bulk update: "anything"
    now = roll_ups()
    assert now[0].figure(CODE).value == 3  # the latest quarter, no longer the sum
    assert counters() == (rechecks, refreshes)  # folded: rechecking cannot say what a new rule moves
    assert same_figures(now, folded_afresh())


def test_every_value_entered_is_folded_again_rather_than_rechecked():
    roll_ups(Layer.ALL)
    rechecks = figure_cache.rechecks["rollups"]
    by_hand("UPDATE {values} SET value = 10 WHERE org_unit_id = %s AND year = 2031 AND quarter = 1", [unit_id()])
    now = roll_ups(Layer.ALL)
    assert now[0].figure(CODE).value == 13
    assert figure_cache.rechecks["rollups"] == rechecks
    assert same_figures(now, folded_afresh(Layer.ALL))


def test_more_changed_than_a_refresh_is_worth_folds_again(monkeypatch):
    roll_ups()
    monkeypatch.setattr(figure_cache, "MAX_REFRESHED_CELLS", 0)
    monkeypatch.setattr(Rollup, "_refresh_limit", staticmethod(lambda older: 0))
    rechecks, refreshes = counters()
    by_hand("UPDATE {values} SET value = value + 1 WHERE org_unit_id = %s AND year = 2031", [unit_id()])
    now = roll_ups()
    assert now[0].figure(CODE).value == 9
    assert counters() == (rechecks, refreshes)
    assert same_figures(now, folded_afresh())


def test_who_has_reported_follows_a_submission_changed_by_hand():
    ht = OrgUnit.objects.get(code="HT")
    who = {"root": ht, "year": 2031, "quarter": 1, "include_root": False}
    before = completeness(**who)
    assert UNIT in {s.unit.code for s in before.reported}
    rechecks = figure_cache.rechecks["completeness"]
    by_hand(
        f"UPDATE {Submission._meta.db_table} SET status = %s WHERE org_unit_id = %s AND year = 2031 AND quarter = 1",
        [SubmissionStatus.RETURNED, unit_id()],
    )
    after = completeness(**who)
    assert UNIT in {s.unit.code for s in after.missing} and UNIT not in {s.unit.code for s in after.reported}
    assert figure_cache.rechecks["completeness"] == rechecks + 1
    fresh = _completeness(**who)
    assert [(s.unit.pk, s.status) for s in after.units] == [(s.unit.pk, s.status) for s in fresh.units]
    assert after.counts_by_child(ht) == fresh.counts_by_child(ht)


def test_the_unit_tree_is_kept_while_its_tables_read_as_before_and_read_again_once_they_do_not():
    ht = unit_id("HT")
    tree = unit_tree(ht)
    rechecks = figure_cache.rechecks["unit-tree"]
    by_hand("UPDATE {units} SET name_vi = 'Xã đổi tên' WHERE id = %s", [unit_id()])  # a name: no figure reads it
    assert unit_tree(ht) is tree and figure_cache.rechecks["unit-tree"] == rechecks + 1
    by_hand("UPDATE {units} SET valid_to = %s WHERE id = %s", [datetime.date(2031, 6, 30), unit_id()])
    again = unit_tree(ht)
    assert again is not tree and again.open_span[unit_id()][1] == datetime.date(2031, 6, 30)


def test_who_is_expected_follows_a_catalogue_changed_by_hand():
    """The units are as they were, but no active indicator is reported by communes any more: none is expected."""
    ht = OrgUnit.objects.get(code="HT")
    who = {"root": ht, "year": 2031, "quarter": 1, "include_root": False}
    assert UNIT in {s.unit.code for s in completeness(**who).units}
    rechecks = figure_cache.rechecks["completeness"]
    with connection.cursor() as cur:
        cur.execute(
            f"UPDATE {Indicator._meta.db_table} SET reported_by = REPLACE(reported_by, 'commune', 'press')"
            " WHERE reported_by LIKE %s",
            ["%commune%"],
        )
    call_command("mark_data_changed", stdout=io.StringIO())
    after = completeness(**who)
    assert UNIT not in {s.unit.code for s in after.units}
    assert figure_cache.rechecks["completeness"] == rechecks + 1
    fresh = _completeness(**who)
    assert [(s.unit.pk, s.status) for s in after.units] == [(s.unit.pk, s.status) for s in fresh.units]
    assert after.counts_by_child(ht) == fresh.counts_by_child(ht)


def test_a_recheck_first_pass_sums_what_the_kept_side_sums():
    """The first pass's sums per range of unit ids are computed by the database; the kept side computes the same
    in Python. They must agree on the stored data, or every recheck would read every range again (or, for a
    hash that agreed wrongly, miss a change)."""
    years, width = [2031], 2
    digests = fold_sql.cell_digests(years=years, indicator_ids=list(Indicator.objects.values_list("pk", flat=True)), paths=[""])
    expected = {}
    for (unit, year), d in digests.items():
        expected[(year, unit // width)] = (expected.get((year, unit // width), 0) + d) % fold_sql.BUCKET_MODULUS
    ids = list(Indicator.objects.values_list("pk", flat=True))
    assert expected and fold_sql.bucket_digests(years=years, indicator_ids=ids, width=width, paths=[""]) == expected

    statuses = [SubmissionStatus.APPROVED]
    quarters = _Quarters(fold_sql.quarters_with(years=years, statuses=statuses, paths=[""]))
    assert quarters and quarters.bits == _bits_of(set(quarters))
    sums = {k: v for k, v in quarters.bucket_sums(width).items() if v}
    assert fold_sql.bucket_quarters(years=years, statuses=statuses, width=width, paths=[""]) == sums
    # A quarter moved from one unit to another changes the sums, a different quarter of the same unit too.
    unit, _year, quarter = next(iter(quarters))
    assert fold_sql.quarter_hash(unit, quarter) not in (
        fold_sql.quarter_hash(unit + 1, quarter),
        fold_sql.quarter_hash(unit, 5 - quarter),
    )
