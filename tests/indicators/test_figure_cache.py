"""Kept roll-ups and conditional reads follow the data version: never stale after a commit, never leaking a rollback.

These tests commit (transaction=True), as production does: inside the usual test
transaction every write is "in flight" and the caches key on that transaction alone.
"""

import io
import threading
import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext

from indicators import figure_cache, workflow
from indicators.aggregation import Rollup
from indicators.models import DataValue, Indicator, Submission
from organizations import data_version
from organizations.models import DataChange, DataVersion, Membership, OrgUnit, Role
from tests.api.conftest import token_client
from tests.conftest import reseed
from tests.indicators.builders import put

pytestmark = pytest.mark.django_db(transaction=True)

UNIT = "HT-18073"  # a commune of the 2025 structure, open in 2031
URL = "/api/v1/aggregates/?indicator=website_articles&org_unit=HT&year=2031&quarter=4"


@pytest.fixture
def people():
    reseed()  # transactional tests start from an empty database
    users = get_user_model().objects
    people = {name: users.get(username=name) for name in ("leader", "reviewer", "canloc")}
    Membership.objects.create(user=people["canloc"], org_unit=OrgUnit.objects.get(code=UNIT), role=Role.CLERK)
    return people


def figure(client):
    r = client.get(URL)
    assert r.status_code == 200
    return r.json()["figures"]["website_articles"]["value"], r["ETag"]


def touches_values(ctx) -> bool:
    tables = (DataValue._meta.db_table, Submission._meta.db_table)
    return any(t in q["sql"] for q in ctx.captured_queries for t in tables)


def test_a_committed_approval_reaches_the_leader_and_until_then_nothing_is_folded_twice(people):
    leader = token_client(people["leader"])
    assert figure(leader)[0] is None
    with CaptureQueriesContext(connection) as ctx:
        value, etag = figure(leader)
    assert value is None and not touches_values(ctx)  # the kept document answered
    with CaptureQueriesContext(connection) as ctx:
        assert leader.get(URL, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert not touches_values(ctx)

    put((UNIT, "website_articles", 2031, 1, 12), approve=False)  # a clerk's draft: not official
    assert leader.get(URL, HTTP_IF_NONE_MATCH=etag).status_code == 304  # refolded, same official figures

    canloc, reviewer = people["canloc"], people["reviewer"]
    sub = workflow.submission_submit(org_unit=OrgUnit.objects.get(code=UNIT), year=2031, quarter=1, by=canloc)
    workflow.submission_approve(submission=sub, by=reviewer)
    r = leader.get(URL, HTTP_IF_NONE_MATCH=etag)
    assert r.status_code == 200 and r["ETag"] != etag
    assert r.json()["figures"]["website_articles"]["value"] == "12"


def test_a_reopened_quarter_leaves_the_kept_official_figures_when_it_was_its_unit_years_only_one(people):
    leader = token_client(people["leader"])
    put((UNIT, "website_articles", 2031, 1, 12))  # approved: official
    assert figure(leader)[0] == "12"
    sub = Submission.objects.get(org_unit__code=UNIT, year=2031, quarter=1)
    workflow.submission_reopen(submission=sub, by=get_user_model().objects.get(username="admin"), comment="Sửa số liệu")
    refreshes = figure_cache.refreshes
    assert figure(leader)[0] is None  # the unit-year has no official quarter left
    assert figure_cache.refreshes == refreshes + 1  # brought up to date from the change log, not folded again


def test_a_rolled_back_write_leaves_no_trace_in_the_kept_figures(people):
    ht = OrgUnit.objects.get(code="HT")
    ind = [Indicator.objects.get(code="website_articles")]

    def value():
        return Rollup.many(root=ht, periods=[(2031, 1, 4)], indicators=ind)[0].figure(ind[0]).value

    assert value() is None

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        put((UNIT, "website_articles", 2031, 2, 7))
        assert value() == 7  # the writer sees its own write…
        assert data_version.current() is None  # …under its transaction's key, not the committed version's
        raise Undo
    assert value() is None


def _next_second() -> None:
    """Sleep into the next whole second: a version is dated (Last-Modified) only once its second is over."""
    time.sleep(1.01 - time.time() % 1)


def test_if_modified_since_the_last_change_is_a_304_without_folding(people):
    leader = token_client(people["leader"])
    _next_second()
    first = leader.get(URL)
    since = first["Last-Modified"]
    with CaptureQueriesContext(connection) as ctx:
        assert leader.get(URL, HTTP_IF_MODIFIED_SINCE=since).status_code == 304
    assert not touches_values(ctx)
    put((UNIT, "website_articles", 2031, 3, 4))
    later = leader.get(URL, HTTP_IF_MODIFIED_SINCE="Mon, 01 Jan 2001 00:00:00 GMT")
    assert later.status_code == 200 and later.json()["figures"]["website_articles"]["value"] == "4"
    assert leader.get(URL, HTTP_IF_MODIFIED_SINCE="not a date").status_code == 200


def _restore_behind_djangos_back(number: int, changed_at, *, drop_value_of: str) -> None:
    """What pg_restore of an older dump does to a running worker's database: rows and version go back, no signal."""
    with connection.cursor() as cur:
        cur.execute(
            f"DELETE FROM {DataValue._meta.db_table} WHERE org_unit_id = %s AND year = 2031",
            [OrgUnit.objects.get(code=drop_value_of).pk],
        )
        cur.execute(f"DELETE FROM {DataChange._meta.db_table} WHERE number > %s", [number])
        cur.execute(f"UPDATE {DataVersion._meta.db_table} SET number = %s, changed_at = %s", [number, changed_at])


@pytest.mark.parametrize("dump", ["older", "as_many_changes"])
def test_a_backup_restored_under_a_running_worker_is_read_afresh(people, dump):
    leader = token_client(people["leader"])
    before = data_version.current()
    put((UNIT, "website_articles", 2031, 1, 4))
    assert figure(leader)[0] == "4"  # kept: the roll-up, and the document under this version
    if dump == "older":  # a dump from before the write: the version goes back
        _restore_behind_djangos_back(before.number, before.changed_at, drop_value_of=UNIT)
    else:  # another history that counted as many changes: the same number, another moment
        now = data_version.current()
        _restore_behind_djangos_back(now.number, now.changed_at - timedelta(days=1), drop_value_of=UNIT)
    assert figure(leader)[0] is None
    ht, ind = OrgUnit.objects.get(code="HT"), Indicator.objects.get(code="website_articles")
    assert Rollup.many(root=ht, periods=[(2031, 1, 4)], indicators=[ind])[0].figure(ind).value is None


def test_a_restored_history_that_has_counted_past_the_kept_version_is_not_taken_for_this_one(people):
    """A dump from another history whose log runs beyond the kept number with a clerk's save only: the cells of that
    save say nothing of what else differs, so the kept roll-up must not be refreshed from them: it is rechecked
    against the data, which finds the commune's value gone as well."""
    ht, ind = OrgUnit.objects.get(code="HT"), Indicator.objects.get(code="website_articles")
    put((UNIT, "website_articles", 2031, 1, 4))
    kept = data_version.current()
    assert Rollup.many(root=ht, periods=[(2031, 1, 4)], indicators=[ind])[0].figure(ind).value == 4
    # The other history: no value of the commune, the same numbers at other moments, then one more save elsewhere.
    _restore_behind_djangos_back(kept.number, kept.changed_at - timedelta(days=1), drop_value_of=UNIT)
    DataChange.objects.filter(number=kept.number).update(changed_at=kept.changed_at - timedelta(days=1))
    unit = OrgUnit.objects.get(code=UNIT)
    other = OrgUnit.objects.filter(parent=unit.parent, kind=unit.kind, valid_to__isnull=True).exclude(pk=unit.pk)
    put((other.order_by("code").first().code, "website_articles", 2031, 2, 1))  # one cell, logged past the kept number
    rechecks = figure_cache.rechecks["rollups"]
    (again,) = Rollup.many(root=OrgUnit.objects.get(code="HT"), periods=[(2031, 1, 4)], indicators=[ind])
    assert figure_cache.rechecks["rollups"] == rechecks + 1  # asked the data, not the other history's log
    assert again.figure(ind).value == 1  # refreshed from the log's one cell, it would be 4 + 1


def test_a_change_made_by_hand_in_sql_is_served_once_mark_data_changed_says_so(people):
    leader = token_client(people["leader"])
    put((UNIT, "website_articles", 2031, 1, 4))
    _next_second()
    first = leader.get(URL)
    assert first.json()["figures"]["website_articles"]["value"] == "4" and first["Last-Modified"]
    with connection.cursor() as cur:  # a DBA's fix, which no signal sees
        cur.execute(f"UPDATE {DataValue._meta.db_table} SET value = 6 WHERE org_unit_id = %s AND year = 2031", [_unit_id()])
    assert figure(leader)[0] == "4"  # the kept figure, as the portal cannot know
    before = data_version.current().number
    out = io.StringIO()
    call_command("mark_data_changed", stdout=out)
    assert data_version.current().number == before + 1
    assert f"Data version {before} → {before + 1}" in out.getvalue()
    assert figure(leader)[0] == "6"
    # A client that cached the first answer is not told "not modified": the data changed after it.
    assert leader.get(URL, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 200


def _unit_id() -> int:
    return OrgUnit.objects.get(code=UNIT).pk


def test_a_change_in_the_same_second_as_a_read_is_never_answered_not_modified(people):
    """HTTP dates have whole seconds: a version is not dated while its second lasts, so a client that sends
    back the Last-Modified it got never hears "not modified" about a change made in that same second."""
    leader = token_client(people["leader"])
    for attempt in range(5):  # until both writes fall in one second, as they do on any machine but a stalled one
        if time.time() % 1 > 0.5:
            _next_second()
        put((UNIT, "website_articles", 2031, 1, 10 + attempt))
        read = data_version.current().changed_at
        first = leader.get(URL)
        put((UNIT, "website_articles", 2031, 1, 20 + attempt))
        if int(data_version.current().changed_at.timestamp()) == int(read.timestamp()):
            break
    else:
        pytest.fail("two writes never fell in one second")
    since = {"HTTP_IF_MODIFIED_SINCE": first["Last-Modified"]} if "Last-Modified" in first else {}
    again = leader.get(URL, **since)
    assert again.status_code == 200 and again.json()["figures"]["website_articles"]["value"] == str(20 + attempt)
    assert "Last-Modified" not in first  # its second was not over when it was read
    _next_second()
    dated = leader.get(URL)  # the second is over: now it is dated, and a 304 is safe
    assert dated["Last-Modified"] and leader.get(URL, HTTP_IF_MODIFIED_SINCE=dated["Last-Modified"]).status_code == 304


def test_every_kind_of_write_moves_the_version_once_committed(people):
    def moved(write) -> bool:
        before = data_version.current().number
        write()
        return data_version.current().number > before

    unit = OrgUnit.objects.get(code=UNIT)
    ind = Indicator.objects.get(code="website_articles")
    assert moved(lambda: put((UNIT, "website_articles", 2031, 4, 5), approve=False))
    assert moved(lambda: workflow.submission_submit(org_unit=unit, year=2031, quarter=4, by=people["canloc"]))
    assert moved(lambda: DataValue.objects.filter(org_unit=unit, year=2031).update(note="x"))
    assert moved(lambda: Submission.objects.filter(org_unit=unit, year=2031).delete() and None)
    assert moved(lambda: OrgUnit.objects.filter(pk=unit.pk).update(name_en="Can Loc"))
    other = OrgUnit.objects.get(code="HT-436")
    assert moved(lambda: unit.predecessors.add(other))
    assert moved(lambda: Indicator.objects.filter(pk=ind.pk).update(reported_by="district"))
    ind.refresh_from_db()
    ind.name_en = "Articles"
    assert moved(ind.save)
    assert not moved(lambda: DataValue.objects.filter(pk=-1).update(note="nothing matched"))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="two open transactions at once need PostgreSQL")
def test_readers_see_the_new_version_only_with_the_data_it_stands_for(people):
    written, release, seen = threading.Event(), threading.Event(), {}

    def writer():
        try:
            with transaction.atomic():
                put((UNIT, "website_articles", 2031, 1, 9))
                written.set()
                release.wait(10)
        finally:
            connection.close()

    before = data_version.current().number
    t = threading.Thread(target=writer)
    t.start()
    assert written.wait(10)
    seen["during"] = data_version.current().number
    release.set()
    t.join(10)
    assert seen["during"] == before  # not moved while the data was uncommitted
    assert data_version.current().number > before
    figure_cache.rollups.clear()


def _version_reads(ctx) -> int:
    return sum(DataVersion._meta.db_table in q["sql"] and q["sql"].lstrip().startswith("SELECT") for q in ctx.captured_queries)


def test_a_page_reads_the_data_version_once_whatever_number_of_figures_it_shows(people, client):
    client.force_login(people["leader"])
    assert client.get("/?year=2018").status_code == 200
    data_version.data_changed()  # every kept figure must be folded again: each asks for the version
    with CaptureQueriesContext(connection) as ctx:
        page = client.get("/?year=2018")
    assert page.status_code == 200 and "2.213" in page.content.decode()
    assert _version_reads(ctx) == 1


def test_another_workers_commit_mid_request_waits_for_the_next_request_but_the_requests_own_write_does_not(people):
    with data_version.one_version():
        seen = data_version.current()
        with connection.cursor() as cur:  # another worker's bump, as this process sees it: no signal, same epoch
            cur.execute(f"UPDATE {DataVersion._meta.db_table} SET number = number + 1")
        assert data_version.current() == seen  # the rest of this response is of the version it started with
        put((UNIT, "website_articles", 2031, 1, 5))  # a write of its own, committed
        assert data_version.current().number == seen.number + 2
    assert data_version.current().number == seen.number + 2


def test_what_was_read_inside_a_rolled_back_savepoint_is_not_reused(people):
    ht = OrgUnit.objects.get(code="HT")
    ind = [Indicator.objects.get(code="website_articles")]

    def value():
        return Rollup.many(root=ht, periods=[(2031, 1, 4)], indicators=ind)[0].figure(ind[0]).value

    with transaction.atomic():
        put((UNIT, "website_articles", 2031, 1, 3))
        assert value() == 3
        with pytest.raises(LookupError), transaction.atomic():
            put((UNIT, "website_articles", 2031, 2, 5))
            assert value() == 8
            raise LookupError("undo the savepoint")
        assert value() == 3
    assert value() == 3


def test_who_has_reported_follows_a_committed_submission(people):
    from indicators.completeness import completeness

    ht, unit = OrgUnit.objects.get(code="HT"), OrgUnit.objects.get(code=UNIT)

    def reported():
        return {s.unit.code for s in completeness(root=ht, year=2031, quarter=1).reported}

    assert reported() == set()
    expected = completeness(root=ht, year=2031, quarter=1).expected
    put((UNIT, "website_articles", 2031, 1, 2), approve=False)
    workflow.submission_submit(org_unit=unit, year=2031, quarter=1, by=people["canloc"])
    assert reported() == {UNIT}
    assert completeness(root=ht, year=2031, quarter=1).expected == expected
    Submission.objects.filter(org_unit=unit, year=2031).delete()
    assert reported() == set()


def test_each_childs_reporting_counts_follow_a_committed_submission(people):
    """The counts per child carried over a refresh equal the counts worked out afresh."""
    from indicators.completeness import completeness

    ht, unit = OrgUnit.objects.get(code="HT"), OrgUnit.objects.get(code=UNIT)
    head = ht.path + unit.path[len(ht.path) :].split("/", 1)[0] + "/"
    before = completeness(root=ht, year=2031, quarter=1, include_root=False).counts_by_child(ht)
    put((UNIT, "website_articles", 2031, 1, 2), approve=False)
    workflow.submission_submit(org_unit=unit, year=2031, quarter=1, by=people["canloc"])
    done = completeness(root=ht, year=2031, quarter=1, include_root=False)
    assert ht.path in done.__dict__.get("_by_child", {})  # carried over by the refresh, not counted again
    after = done.counts_by_child(ht)
    assert after[head] == (before[head][0], before[head][1] + 1)
    assert {k: v for k, v in after.items() if k != head} == {k: v for k, v in before.items() if k != head}
    figure_cache.clear()
    assert completeness(root=ht, year=2031, quarter=1, include_root=False).counts_by_child(ht) == after


def test_who_is_on_time_late_or_missing_follows_each_commit_as_if_worked_out_afresh(people):
    """The kept lists are patched for the changed units only, and always equal the lists built from scratch."""
    import datetime

    from indicators.completeness import _completeness, completeness

    ht = OrgUnit.objects.get(code="HT")
    lists = ("reported", "on_time", "late", "missing")
    communes = list(OrgUnit.objects.filter(path__startswith=ht.path, kind="commune", valid_to__isnull=True).order_by("code")[:3])
    for c in communes[1:]:
        Membership.objects.create(user=people["canloc"], org_unit=c, role=Role.CLERK)

    def kept_lists(patched: bool):
        done = completeness(root=ht, year=2031, quarter=1)
        if patched:
            assert all(name in done.__dict__ for name in lists), "worked out again rather than patched"
        return {name: [s.unit.code for s in getattr(done, name)] for name in lists}

    def fresh_lists():
        done = _completeness(root=ht, year=2031, quarter=1, include_root=True)
        return {name: [s.unit.code for s in getattr(done, name)] for name in lists}

    start = kept_lists(patched=False)
    assert start == fresh_lists() and start["reported"] == []
    a, b, c = communes
    subs = {}
    for unit in (a, b, c):
        put((unit.code, "website_articles", 2031, 1, 1), approve=False)
        subs[unit.code] = workflow.submission_submit(org_unit=unit, year=2031, quarter=1, by=people["canloc"])
        assert kept_lists(patched=True) == fresh_lists()
    due = completeness(root=ht, year=2031, quarter=1).period.due_date
    late = datetime.datetime.combine(due + datetime.timedelta(days=3), datetime.time(9), tzinfo=datetime.UTC)
    Submission.objects.filter(pk=subs[b.code].pk).update(submitted_at=late)
    after = kept_lists(patched=True)
    assert after == fresh_lists() and after["late"] == [b.code] and {a.code, c.code} <= set(after["on_time"])
    workflow.submission_approve(submission=subs[a.code], by=people["reviewer"])
    assert kept_lists(patched=True) == fresh_lists()
    workflow.submission_return(
        submission=Submission.objects.get(pk=subs[c.code].pk), by=people["reviewer"], comment="Thiếu số liệu"
    )
    after = kept_lists(patched=True)
    assert after == fresh_lists() and c.code in after["missing"] and c.code not in after["reported"]
    Submission.objects.filter(pk=subs[b.code].pk).delete()
    after = kept_lists(patched=True)
    assert after == fresh_lists() and b.code in after["missing"] and after["late"] == []


def test_the_garbage_collector_is_paused_while_folding_and_on_again_after_even_a_failed_fold():
    import gc

    seen = []

    def build():
        seen.append(gc.isenabled())
        raise RuntimeError("the database went away")

    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        figure_cache.kept("test-gc", ("x",), build)
    assert seen == [False] and gc.isenabled()
    assert figure_cache.kept("test-gc", ("y",), lambda: gc.isenabled(), weight=lambda _r: 1) is False and gc.isenabled()


def test_a_result_as_big_as_a_national_one_is_frozen_out_of_the_collectors_walks_and_freed_once_dropped(monkeypatch, settings):
    import datetime
    import gc
    import weakref

    class Result:
        pass

    def tracked(obj) -> bool:  # the permanent generation (gc.freeze) is not among the walked ones
        return any(o is obj for o in gc.get_objects())

    now = datetime.datetime(2031, 1, 1, tzinfo=datetime.UTC)
    version = [(data_version.Version((1, now)), 0, None)]
    monkeypatch.setattr(figure_cache, "version_key", lambda using=None: version[0])
    settings.FIGURE_CACHE_FREEZE_FROM = 5
    try:
        first = figure_cache.kept("test-freeze", ("p",), Result, weight=lambda _r: 5)
        assert tracked(first)  # a first build: nothing of its size was kept before
        version[0] = (data_version.Version((2, now)), 0, None)
        superseded = weakref.ref(first)
        del first
        second = figure_cache.kept("test-freeze", ("p",), Result, weight=lambda _r: 5)
        assert not tracked(second) and gc.get_freeze_count() > 0
        assert superseded() is None  # dropped from the cache and freed by reference counting
        settings.FIGURE_CACHE_FREEZE_FROM = 6
        version[0] = (data_version.Version((3, now)), 0, None)
        gc.unfreeze()
        third = figure_cache.kept("test-freeze", ("p",), Result, weight=lambda _r: 5)
        assert tracked(third) and gc.get_freeze_count() == 0  # smaller than the threshold: left to the collector
    finally:
        gc.unfreeze()
        figure_cache.clear()


def test_a_kept_roll_up_refreshes_up_to_its_share_of_unit_years_then_folds_again(people, monkeypatch):
    """Refreshing pays per written cell: up to 40 % of the roll-up's unit-years, else it folds from the values."""
    ht, ind = OrgUnit.objects.get(code="HT"), Indicator.objects.get(code="website_articles")
    communes = list(OrgUnit.objects.filter(path__startswith=ht.path, kind="commune", valid_to__isnull=True).order_by("code")[:2])

    def figure():
        (r,) = Rollup.many(root=ht, periods=[(2031, 1, 4)], indicators=[ind])
        return r, r.figure(ind).value

    kept, _value = figure()
    assert Rollup._refresh_limit((kept,)) == int(0.4 * len(kept._tree.unit_ids)) > 2
    monkeypatch.setattr(figure_cache, "MAX_REFRESHED_CELLS", 1)  # only the roll-up's own share allows more
    put(*((c.code, "website_articles", 2031, 1, 4) for c in communes))  # one commit, two unit-years
    refreshes = figure_cache.refreshes
    _r, value = figure()
    assert figure_cache.refreshes == refreshes + 1 and value == 8
    monkeypatch.setattr(Rollup, "_refresh_limit", staticmethod(lambda older: 1))
    put(*((c.code, "website_articles", 2031, 2, 1) for c in communes))
    _r, value = figure()
    assert figure_cache.refreshes == refreshes + 1 and value == 10  # folded again, to the same figure a refresh gives


def _stored_version() -> int:
    return DataVersion.objects.get().number


class _BumpsFail:
    """Each bump's log row refused while on (as when the connection drops just after a commit): the bump's
    transaction rolls back, the version row with it; reading the version still works."""

    def __init__(self, monkeypatch):
        self.on = True
        manager = DataChange.objects
        real = manager.create

        def create(**kwargs):
            if self.on:
                raise OperationalError("server closed the connection unexpectedly")
            return real(**kwargs)

        monkeypatch.setattr(type(manager), "using", lambda m, alias: _Refusing(m.get_queryset().using(alias), create))


class _Refusing:
    def __init__(self, qs, create):
        self._qs, self.create = qs, create

    def __getattr__(self, name):
        return getattr(self._qs, name)


def test_a_bump_that_failed_after_its_commit_is_made_at_the_next_request_with_the_cells_it_owed(people, monkeypatch):
    leader = token_client(people["leader"])
    assert figure(leader)[0] is None
    before = data_version.current().number
    bumps = _BumpsFail(monkeypatch)
    put((UNIT, "website_articles", 2031, 1, 12))  # committed, approved: official
    bumps.on = False
    assert _stored_version() == before  # what every other worker still reads: the value is not known there
    assert figure(leader)[0] == "12"  # the next request makes the bump first
    assert _stored_version() == before + 1
    logged = DataChange.objects.get(number=before + 1)
    assert logged.cells == [[_unit_id(), 2031]]  # so other workers refresh that one cell, not fold everything


def test_a_bump_that_failed_is_merged_into_the_next_writes_so_one_version_logs_both(people, monkeypatch):
    before = data_version.current().number
    bumps = _BumpsFail(monkeypatch)
    put((UNIT, "website_articles", 2031, 1, 12))
    bumps.on = False
    put((UNIT, "website_articles", 2032, 1, 3))  # another year, another cell: this write's bump carries the owed one
    logged = list(DataChange.objects.filter(number__gt=before).order_by("number").values_list("cells", flat=True))
    assert sorted(map(tuple, logged[0])) == [(_unit_id(), 2031), (_unit_id(), 2032)]
    assert all(cells == [[_unit_id(), 2032]] for cells in logged[1:])
    data_version.retry_failed_bumps()
    assert DataChange.objects.filter(number__gt=before).count() == len(logged)  # nothing owed any more


def test_while_a_failed_bump_is_still_owed_the_writing_worker_folds_its_own_write_in(people, monkeypatch):
    leader = token_client(people["leader"])
    _next_second()
    value, etag = figure(leader)
    assert value is None
    bumps = _BumpsFail(monkeypatch)  # and it stays down: the retry at the next request fails too
    before = _stored_version()
    put((UNIT, "website_articles", 2031, 1, 12))
    r = leader.get(URL, HTTP_IF_NONE_MATCH=etag)
    assert r.status_code == 200 and r.json()["figures"]["website_articles"]["value"] == "12"  # not the kept figure
    assert _stored_version() == before
    assert "Last-Modified" not in r  # the version's date does not cover the value, so it cannot be named by it
    bumps.on = False
    data_version.retry_failed_bumps()  # back up: the bump is made and the version names the value again
    assert _stored_version() == before + 1 and data_version.current().number == before + 1
