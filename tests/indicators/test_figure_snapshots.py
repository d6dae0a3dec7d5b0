"""A fresh process starts from the last fold saved in the database and brings it up to date, never from a wrong one.

These tests commit (transaction=True): a snapshot is taken at a committed data version.
"""

import pytest
from django.test import override_settings

from indicators import figure_cache, figure_snapshots
from indicators.aggregation import Rollup
from indicators.models import FoldSnapshot, Indicator
from organizations.models import OrgUnit
from tests.conftest import reseed
from tests.indicators.builders import put

pytestmark = pytest.mark.django_db(transaction=True)

UNIT = "HT-18073"  # a commune of the 2025 structure, open in 2031
PERIODS = [(2031, 1, 4), (2031, 2, 2)]


@pytest.fixture(autouse=True)
def demo(settings):
    reseed()
    settings.FIGURE_SNAPSHOT_FROM = 1  # a province's fold is saved as a nation's would be
    figure_cache.clear()
    yield
    figure_snapshots.flush()  # nothing left queued for the next test


def roll_ups():
    indicators = list(Indicator.objects.in_report_order())
    return Rollup.many(root=OrgUnit.objects.get(code="HT"), periods=PERIODS, indicators=indicators)


def folded_afresh():
    with override_settings(FIGURE_CACHE_FIGURES=0):
        return roll_ups()


def same_figures(kept, fresh) -> bool:
    return all(a.figures == b.figures and a.own == b.own for a, b in zip(kept, fresh, strict=True))


def value_of(rollups, code="website_articles"):
    return rollups[0].figure(code).value


def a_fresh_process():
    figure_cache.clear()  # what a process that just started keeps
    return figure_cache.snapshots_used, figure_cache.refreshes


def test_a_fresh_process_refreshes_the_saved_fold_from_the_change_log_instead_of_folding():
    put((UNIT, "website_articles", 2031, 1, 4))
    assert value_of(roll_ups()) == 4
    assert not FoldSnapshot.objects.exists()  # saved after the response, not in the reader's time
    figure_snapshots.flush()
    assert FoldSnapshot.objects.count() == 1

    put((UNIT, "website_articles", 2031, 2, 3))  # committed after the snapshot: only the change log knows it
    used, refreshes = a_fresh_process()
    kept = roll_ups()
    assert figure_cache.snapshots_used == used + 1 and figure_cache.refreshes == refreshes + 1
    assert value_of(kept) == 7 and kept[1].figure("website_articles").value == 3
    assert same_figures(kept, folded_afresh())


def test_a_snapshot_of_the_version_read_is_taken_as_it_is():
    put((UNIT, "website_articles", 2031, 1, 4))
    roll_ups()
    figure_snapshots.flush()
    used, refreshes = a_fresh_process()
    kept = roll_ups()
    assert figure_cache.snapshots_used == used + 1 and figure_cache.refreshes == refreshes
    assert value_of(kept) == 4 and same_figures(kept, folded_afresh())


@pytest.mark.parametrize(
    "spoilt",
    [
        {"code": "pickled by other code"},  # a deploy changed the classes it would unpickle into
        {"data": b"not a pickle"},  # a broken row: logged, never a 500
    ],
)
def test_a_snapshot_that_cannot_be_trusted_is_left_and_the_figures_are_folded(spoilt, caplog):
    put((UNIT, "website_articles", 2031, 1, 4))
    roll_ups()
    figure_snapshots.flush()
    FoldSnapshot.objects.update(**spoilt)
    put((UNIT, "website_articles", 2031, 1, 5))
    used, _refreshes = a_fresh_process()
    kept = roll_ups()
    assert figure_cache.snapshots_used == used
    assert value_of(kept) == 5 and same_figures(kept, folded_afresh())


def test_a_snapshot_of_another_history_is_not_refreshed_from_this_ones_log_but_rechecked_against_the_data():
    """A database restored under the process: the snapshot's number may be counted again at another moment, so
    the log says nothing of what differs; the data does (`Rollup._rechecked_all`)."""
    put((UNIT, "website_articles", 2031, 1, 4))
    roll_ups()
    figure_snapshots.flush()
    snap = FoldSnapshot.objects.get()
    FoldSnapshot.objects.update(changed_at=snap.changed_at.replace(year=snap.changed_at.year - 1))
    put((UNIT, "website_articles", 2031, 1, 6))
    used, _refreshes = a_fresh_process()
    rechecks = figure_cache.rechecks["rollups"]
    kept = roll_ups()
    assert figure_cache.snapshots_used == used + 1 and figure_cache.rechecks["rollups"] == rechecks + 1
    assert value_of(kept) == 6 and same_figures(kept, folded_afresh())


def test_the_dashboard_saves_its_fold_once_the_page_is_sent(client, django_user_model):
    client.force_login(django_user_model.objects.get(username="leader"))
    assert client.get("/?unit=HT&year=2031").status_code == 200
    assert FoldSnapshot.objects.exists()  # request_finished: after the response, in the worker's time
    used, _refreshes = a_fresh_process()
    page = client.get("/?unit=HT&year=2031")
    assert page.status_code == 200 and figure_cache.snapshots_used > used
