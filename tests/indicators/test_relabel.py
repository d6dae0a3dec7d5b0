"""A rename moves the data version but folds nothing again; a change to what figures read of a unit or an indicator does.

An administrator correcting a commune's or an indicator's name must not cost the next
national page a fold from the values (seconds at national size), and the page must show
the new name at once. These tests commit (transaction=True), as production does.
"""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from indicators import figure_cache
from indicators.aggregation import Rollup, figures_document
from indicators.completeness import completeness
from indicators.models import DataValue, Indicator, Submission
from organizations import data_version
from organizations.models import OrgUnit
from tests.conftest import reseed
from tests.indicators.builders import put

pytestmark = pytest.mark.django_db(transaction=True)

UNIT = "HT-18073"  # a commune of the 2025 structure, open in 2031
IND = "website_articles"


@pytest.fixture
def ht():
    reseed()
    return OrgUnit.objects.get(code="HT")


def touches_values(ctx) -> bool:
    tables = (DataValue._meta.db_table, Submission._meta.db_table)
    return any(t in q["sql"] for q in ctx.captured_queries for t in tables)


def logged(write):
    """What the change log says of `write`: its cells (relabelled or not), or None for "anything"."""
    before = data_version.current().number
    write()
    after = data_version.current().number
    assert after > before, "the version did not move"
    return data_version.changes_between(before, after)


def rollup(root, indicators):
    (r,) = Rollup.many(root=root, periods=[(2031, 1, 4)], indicators=indicators)
    return r


def test_a_renamed_commune_keeps_every_figure_and_shows_its_new_name_at_once(ht, client, django_user_model):
    unit = OrgUnit.objects.get(code=UNIT)
    ind = [Indicator.objects.get(code=IND)]
    put((UNIT, IND, 2031, 1, 7))
    assert rollup(ht, ind).figure(ind[0]).value == 7
    district = unit.parent
    assert "Xã Mới Đặt Tên" not in {s.unit.name for s in completeness(root=district, year=2031, quarter=1).units}

    unit.name_vi = "Xã Mới Đặt Tên"
    changes = logged(unit.save)
    assert changes == set() and changes.relabelled

    with CaptureQueriesContext(connection) as ctx:
        again = rollup(OrgUnit.objects.get(code="HT"), ind)
    assert again.figure(ind[0]).value == 7 and not touches_values(ctx)  # kept, not folded again
    assert "Xã Mới Đặt Tên" in {s.unit.name for s in completeness(root=district, year=2031, quarter=1).units}

    leader = django_user_model.objects.get(username="leader")
    client.force_login(leader)
    html = client.get(f"/?unit={district.code}&year=2031&quarter=1").content.decode()
    assert "Xã Mới Đặt Tên" in html  # the missing list of the district's dashboard


def test_a_renamed_indicator_or_group_keeps_every_figure_and_shows_its_new_name(ht):
    put((UNIT, IND, 2031, 2, 5))
    folded_with = list(Indicator.objects.in_report_order().filter(code=IND))  # instances the kept roll-up holds
    assert rollup(ht, folded_with).figure(IND).value == 5
    ind = Indicator.objects.get(code=IND)

    ind.name_vi = "Tin bài đăng trên cổng thông tin (tên mới)"
    assert logged(ind.save).relabelled
    group = ind.group
    group.name_vi = "Nhóm đổi tên"
    assert logged(group.save).relabelled

    fresh = list(Indicator.objects.in_report_order().filter(code=IND))
    with CaptureQueriesContext(connection) as ctx:
        r = rollup(ht, fresh)
    assert not touches_values(ctx)
    assert r.figure(IND).value == 5
    assert r.indicators[0].name == "Tin bài đăng trên cổng thông tin (tên mới)"
    assert r.indicators[0].group.name_vi == "Nhóm đổi tên"
    assert figures_document(org_unit=ht, year=2031, quarter=4, indicators=fresh)["figures"][IND]["value"] == "5"


def test_a_change_to_what_figures_read_of_a_unit_is_a_tree_change_the_kept_rollups_follow(ht):
    unit = OrgUnit.objects.get(code=UNIT)
    ind = [Indicator.objects.get(code=IND)]
    put((UNIT, IND, 2031, 1, 3))
    before = rollup(ht, ind).coverage(IND)

    assert "press" not in ind[0].reported_by_kinds and unit.kind in ind[0].reported_by_kinds
    unit.kind = "press"  # a kind that does not report the indicator: one unit fewer expected
    changes = logged(unit.save)
    assert changes == set() and changes.tree and changes.relabelled
    refreshes = figure_cache.refreshes
    with CaptureQueriesContext(connection) as ctx:
        after = rollup(OrgUnit.objects.get(code="HT"), ind)
    assert figure_cache.refreshes == refreshes + 1  # the tree read again and compared, not a fold
    values_read = [q["sql"] for q in ctx.captured_queries if DataValue._meta.db_table in q["sql"]]
    assert len(values_read) == 1 and "LIKE" not in values_read[0]  # the changed unit's values, not the subtree's
    assert after.coverage(IND).expected == before.expected - 1
    assert after.figure(IND).value == 3


def test_a_change_to_how_an_indicator_folds_is_logged_as_anything(ht):
    ind = Indicator.objects.get(code=IND)
    ind.reported_by = "district"
    assert logged(ind.save) is None
    assert logged(lambda: Indicator.objects.filter(pk=ind.pk).update(is_active=False)) is None
    assert logged(lambda: Indicator.objects.filter(pk=ind.pk).update(name_en="Articles")).relabelled


def test_bulk_renames_are_labels_and_bulk_moves_are_not(ht):
    unit = OrgUnit.objects.get(code=UNIT)
    assert logged(lambda: OrgUnit.objects.filter(pk=unit.pk).update(name_en="Can Loc commune")).relabelled
    assert logged(lambda: OrgUnit.objects.filter(pk=unit.pk).update(valid_to="2031-06-30")).tree
    assert logged(lambda: unit.save(update_fields=["abbreviation"])).relabelled


def test_a_rename_and_a_value_in_one_transaction_are_logged_as_anything(ht):
    unit = OrgUnit.objects.get(code=UNIT)

    def both():
        with transaction.atomic():
            unit.name_vi = "Xã Đổi Tên"
            unit.save()
            put((UNIT, IND, 2031, 3, 1), approve=False)

    assert logged(both) is None  # the log cannot say both, so every reader folds again


def test_an_edit_that_changes_nothing_a_figure_reads_is_a_relabel_even_from_a_stale_instance(ht):
    unit = OrgUnit.objects.get(code=UNIT)
    stale = OrgUnit.objects.get(code=UNIT)
    OrgUnit.objects.filter(pk=unit.pk).update(valid_to="2031-06-30")
    # `stale` still holds no valid_to: saving it writes that back, which a figure reads.
    assert logged(stale.save).tree
    unit.refresh_from_db()
    assert logged(unit.save).relabelled


def test_renaming_a_commune_in_the_admin_folds_nothing_again(ht, admin_client):
    unit = OrgUnit.objects.get(code=UNIT)
    ind = [Indicator.objects.get(code=IND)]
    put((UNIT, IND, 2031, 4, 9))
    assert rollup(ht, ind).figure(IND).value == 9
    form = {
        "code": unit.code,
        "name_vi": "Xã Sửa Tên",
        "name_en": unit.name_en,
        "kind": unit.kind,
        "parent": unit.parent_id,
        "valid_from": unit.valid_from.strftime("%d/%m/%Y"),
        "valid_to": "",
        "abbreviation": unit.abbreviation,
        "predecessors": list(unit.predecessors.values_list("pk", flat=True)),
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }

    def save():
        r = admin_client.post(f"/admin/organizations/orgunit/{unit.pk}/change/", form)
        assert r.status_code == 302, r.content.decode()[:2000]

    assert logged(save).relabelled
    with CaptureQueriesContext(connection) as ctx:
        assert rollup(OrgUnit.objects.get(code="HT"), ind).figure(IND).value == 9
    assert not touches_values(ctx)
    assert OrgUnit.objects.get(code=UNIT).name_vi == "Xã Sửa Tên"


def test_importing_the_unit_list_again_unchanged_folds_nothing_again_and_a_move_does(ht):
    from organizations.services import org_units_import

    unit = OrgUnit.objects.get(code=UNIT)
    row = {
        "code": UNIT,
        "parent": unit.parent.code,
        "kind": unit.kind,
        "name_vi": unit.name_vi,
        "name_en": unit.name_en,
        "valid_from": unit.valid_from.isoformat(),
    }
    ind = [Indicator.objects.get(code=IND)]
    put((UNIT, IND, 2031, 2, 4))
    (kept,) = Rollup.many(root=ht, periods=[(2031, 1, 4)], indicators=ind)
    assert kept.figure(IND, unit.pk).value == 4
    assert logged(lambda: org_units_import(rows=[row])).relabelled
    district = {"code": "HT-999", "parent": "HT", "kind": "district", "name_vi": "Huyện mới"}
    assert logged(lambda: org_units_import(rows=[district, {**row, "parent": "HT-999"}])).tree
    assert OrgUnit.objects.get(code=UNIT).path == f"{ht.path}HT-999/{UNIT}/"

    refreshes = figure_cache.refreshes
    (moved,) = Rollup.many(root=OrgUnit.objects.get(code="HT"), periods=[(2031, 1, 4)], indicators=ind)
    assert figure_cache.refreshes == refreshes + 1
    new_district = OrgUnit.objects.get(code="HT-999")
    assert moved.figure(IND, new_district.pk).value == 4  # the commune's value went with it
    assert moved.figure(IND).value == kept.figure(IND).value  # the province's total stays
    figure_cache.clear()
    (folded,) = Rollup.many(root=OrgUnit.objects.get(code="HT"), periods=[(2031, 1, 4)], indicators=ind)
    assert moved.figures == folded.figures and moved.coverage(IND) == folded.coverage(IND)


def test_who_has_reported_follows_a_commune_closed_and_reopened_without_reading_every_submission(ht):
    unit = OrgUnit.objects.get(code=UNIT)
    put((UNIT, IND, 2031, 1, 2))  # approved: the commune has reported for Q1 2031
    district = unit.parent

    def missing_and_reported():
        done = completeness(root=OrgUnit.objects.get(pk=district.pk), year=2031, quarter=1)
        return {s.unit.code for s in done.missing}, {s.unit.code: s.status for s in done.reported}

    missing, reported = missing_and_reported()
    assert reported[UNIT] == "approved" and UNIT not in missing

    unit.valid_to = "2030-12-31"  # closed before the quarter: no longer expected
    assert logged(unit.save).tree
    missing, reported = missing_and_reported()
    assert UNIT not in reported and UNIT not in missing

    unit.valid_to = None  # reopened: expected again, with the submission it has
    assert logged(unit.save).tree
    with CaptureQueriesContext(connection) as ctx:
        missing, reported = missing_and_reported()
    assert reported[UNIT] == "approved" and UNIT not in missing
    subs = [q["sql"] for q in ctx.captured_queries if Submission._meta.db_table in q["sql"]]
    assert len(subs) == 1 and "LIKE" not in subs[0]  # the reopened commune's submission alone
