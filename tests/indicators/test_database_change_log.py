"""PostgreSQL logs what is written outside the portal, so kept figures follow a fix made in psql at once.

The "outside" connection here is a plain psycopg2 connection, as psql or a DBA's
script opens; the portal's own connections say `reform.change_log = portal` and
log their writes themselves. These commit (transaction=True), as production does.
"""

import psycopg2
import pytest
from django.db import connection

from indicators import figure_cache
from indicators.completeness import completeness
from indicators.models import DataValue, Submission, SubmissionStatus
from organizations import data_version
from organizations.models import DataChange, OrgUnit
from tests.indicators.test_recheck import CODE, UNIT, folded_afresh, roll_ups, same_figures, unit_id, values  # noqa: F401

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

VALUES, SUBMISSIONS, UNITS = (m._meta.db_table for m in (DataValue, Submission, OrgUnit))


def outside():
    d = connection.settings_dict
    return psycopg2.connect(host=d["HOST"], port=d["PORT"] or 5432, user=d["USER"], password=d["PASSWORD"], dbname=d["NAME"])


def run_outside(*statements, commit=True) -> None:
    conn = outside()
    try:
        with conn.cursor() as cur:
            for sql, params in statements:
                cur.execute(sql, params)
        conn.commit() if commit else conn.rollback()
    finally:
        conn.close()


def version() -> int:
    return data_version.current().number


def counters() -> tuple[int, int]:
    return figure_cache.rechecks["rollups"], figure_cache.refreshes


def pending() -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM reform_pending_change")
        return cur.fetchone()[0]


def test_a_value_fixed_in_psql_is_logged_by_the_database_and_refreshed_like_a_clerks_save():
    kept = roll_ups()
    assert kept[0].figure(CODE).value == 7
    before, (rechecks, refreshes) = version(), counters()
    run_outside((f"UPDATE {VALUES} SET value = 10 WHERE org_unit_id = %s AND year = 2031 AND quarter = 1", [unit_id()]))
    assert version() == before + 1  # nobody ran mark_data_changed
    logged = DataChange.objects.get(number=before + 1)
    assert (logged.cells, logged.tree) == ([[unit_id(), 2031]], False)
    now = roll_ups()
    assert now[0].figure(CODE).value == 13
    assert counters() == (rechecks, refreshes + 1)  # refreshed from the log: nothing checked against the data
    assert same_figures(now, folded_afresh())
    assert pending() == 0


def test_one_transaction_outside_is_one_version_with_every_cell_it_touched():
    other = OrgUnit.objects.filter(kind=OrgUnit.objects.get(code=UNIT).kind).exclude(code=UNIT).order_by("code")[0]
    roll_ups()
    before = version()
    run_outside(
        (f"UPDATE {VALUES} SET value = value + 1 WHERE org_unit_id = %s AND year = 2031", [unit_id()]),
        (f"UPDATE {VALUES} SET value = value + 1 WHERE org_unit_id = %s AND year = 2031", [unit_id()]),
        (
            f"INSERT INTO {SUBMISSIONS} (org_unit_id, year, quarter, status, comment, updated_at) VALUES (%s, 2031, 1, %s, %s, now())",
            [other.pk, SubmissionStatus.DRAFT, ""],
        ),
    )
    assert version() == before + 1
    assert sorted(DataChange.objects.get(number=before + 1).cells) == sorted([[unit_id(), 2031], [other.pk, 2031]])
    now = roll_ups()
    assert now[0].figure(CODE).value == 11  # 4 + 2 and 3 + 2
    assert same_figures(now, folded_afresh())


def test_a_submission_reopened_in_psql_takes_its_quarter_out_of_the_official_figures_and_who_has_reported():
    ht = OrgUnit.objects.get(code="HT")
    who = {"root": ht, "year": 2031, "quarter": 1, "include_root": False}
    roll_ups()
    assert UNIT in {s.unit.code for s in completeness(**who).reported}
    completeness_rechecks, (rechecks, _refreshes) = figure_cache.rechecks["completeness"], counters()
    run_outside(
        (
            f"UPDATE {SUBMISSIONS} SET status = %s WHERE org_unit_id = %s AND year = 2031 AND quarter = 1",
            [SubmissionStatus.DRAFT, unit_id()],
        )
    )
    assert roll_ups()[0].figure(CODE).value == 3
    assert UNIT not in {s.unit.code for s in completeness(**who).reported}
    assert figure_cache.rechecks["completeness"] == completeness_rechecks and counters()[0] == rechecks


def test_a_transaction_rolled_back_outside_leaves_no_version_and_nothing_staged():
    before, changes = version(), DataChange.objects.count()
    run_outside(
        (f"UPDATE {VALUES} SET value = 99 WHERE org_unit_id = %s AND year = 2031 AND quarter = 1", [unit_id()]), commit=False
    )
    assert (version(), DataChange.objects.count(), pending()) == (before, changes, 0)


def test_a_unit_moved_in_psql_is_a_tree_change_and_a_rename_keeps_every_figure():
    unit = OrgUnit.objects.get(code=UNIT)
    sibling = (
        OrgUnit.objects.filter(parent=unit.parent, kind=unit.kind, valid_to__isnull=True).exclude(pk=unit.pk).order_by("code")[0]
    )
    kept = roll_ups()
    before, (rechecks, refreshes) = version(), counters()
    run_outside((f"UPDATE {UNITS} SET name_vi = 'Xã đổi tên' WHERE id = %s", [unit.pk]))
    logged = DataChange.objects.get(number=before + 1)
    assert (logged.cells, logged.tree) == ([], False)  # a name: no figure reads it
    again = roll_ups()
    assert [r.figures for r in again] == [r.figures for r in kept] and counters() == (rechecks, refreshes)
    run_outside(
        (
            f"UPDATE {UNITS} SET parent_id = %s, path = %s, depth = %s WHERE id = %s",
            [sibling.pk, f"{sibling.path}{unit.code}/", sibling.depth + 1, unit.pk],
        )
    )
    logged = DataChange.objects.get(number=before + 2)
    assert (logged.cells, logged.tree) == ([], True)
    moved = roll_ups()
    assert moved[0].figure(CODE, sibling.pk).value == 7  # the commune's values now roll up through its new parent
    assert moved[0].figure(CODE).value == 7
    assert counters()[0] == rechecks  # the trees compared, nothing checked against the data
    assert same_figures(moved, folded_afresh())


def test_the_catalogue_changed_in_psql_says_anything_and_is_checked_against_the_data():
    roll_ups()
    before = version()
    run_outside(("UPDATE indicators_indicator SET time_aggregation = 'last' WHERE code = %s", [CODE]))
    assert DataChange.objects.get(number=before + 1).cells is None
    now = roll_ups()
    assert now[0].figure(CODE).value == 3
    assert same_figures(now, folded_afresh())


def test_the_portals_own_sql_is_left_to_the_portal_to_log():
    before = version()
    with connection.cursor() as cur:  # the portal's connection: COPY imports and generate_dataset log themselves
        cur.execute(f"UPDATE {VALUES} SET value = 10 WHERE org_unit_id = %s AND year = 2031 AND quarter = 1", [unit_id()])
    assert (version(), pending()) == (before, 0)


def test_the_triggers_take_a_write_for_names_only_exactly_when_the_models_do():
    from importlib import import_module

    from indicators.models import Indicator, IndicatorGroup

    tables = {table: columns for table, _kind, columns in import_module("indicators.migrations.0008_database_change_log").TABLES}
    for model in (Indicator, IndicatorGroup, OrgUnit):
        assert tables[model._meta.db_table] == tuple(model._meta.get_field(f).column for f in model.figure_fields)


def test_a_session_with_another_search_path_is_logged_all_the_same():
    before = version()
    run_outside(
        ("SET search_path = pg_catalog", []),
        (f"UPDATE public.{VALUES} SET value = 10 WHERE org_unit_id = %s AND year = 2031 AND quarter = 1", [unit_id()]),
    )
    assert DataChange.objects.get(number=before + 1).cells == [[unit_id(), 2031]]
    assert roll_ups()[0].figure(CODE).value == 13
