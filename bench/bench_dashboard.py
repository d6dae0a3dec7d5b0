"""Leadership dashboard on the national data set: province page < 300 ms, national page < 2 s; Rollup vs hand-written SQL.

Needs the lead's `generate_dataset` tree under VN (built here the first time, ~30 s on
PostgreSQL). Each line prints the measured time against a baseline measured in the same
run: the time budgets of the issue for the pages, hand-written SQL for the aggregation.
Meant for PostgreSQL (BENCH_DATABASE_URL=postgres://…); SQLite works, slowly.
"""

import io
import os
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.db.models import Max, Min
from django.test import Client, override_settings
from django.utils import translation

from indicators.aggregation import Layer, Rollup
from indicators.models import DataValue, Indicator, TimeAggregation, UnitAggregation
from organizations.models import Membership, OrgUnit, Role
from reports.dashboard import dashboard

ROOT = "VN"
PROVINCE = "VN-P01"
PROVINCE_BUDGET_S = 0.3
NATIONAL_BUDGET_S = 2.0
BENCH_USER = "bench-dashboard-leader"

# The child-of-root figures of sum/sum indicators under the rule "a unit's own value wins":
# walk down from each child, stop below a unit that has a value of its own, add what the walk reaches.
HAND_SQL = """
WITH RECURSIVE own AS (
    SELECT v.indicator_id AS ind, v.org_unit_id AS uid, SUM(v.value) AS total
    FROM indicators_datavalue v JOIN organizations_orgunit u ON u.id = v.org_unit_id
    WHERE u.path LIKE %(prefix)s AND v.year = %(year)s AND v.quarter BETWEEN 1 AND %(quarter)s
      AND v.indicator_id = ANY(%(ids)s)
    GROUP BY v.indicator_id, v.org_unit_id
), walk(ind, child, uid) AS (
    SELECT i.ind, c.id, c.id FROM organizations_orgunit c CROSS JOIN unnest(%(ids)s) AS i(ind)
    WHERE c.parent_id = %(root)s
  UNION ALL
    SELECT w.ind, w.child, k.id FROM walk w JOIN organizations_orgunit k ON k.parent_id = w.uid
    WHERE NOT EXISTS (SELECT 1 FROM own o WHERE o.ind = w.ind AND o.uid = w.uid)
)
SELECT w.ind, w.child, SUM(o.total) FROM walk w JOIN own o ON o.ind = w.ind AND o.uid = w.uid
GROUP BY w.ind, w.child
"""


def _ensure_dataset(out) -> None:
    from indicators.models import Submission, SubmissionStatus

    if OrgUnit.objects.filter(code=ROOT).exists():
        first = DataValue.objects.filter(org_unit__code__startswith=f"{ROOT}-").aggregate(y=Min("year"))["y"]
        approved = Submission.objects.filter(org_unit__code__startswith=f"{ROOT}-", year=first, status=SubmissionStatus.APPROVED)
        if approved.exists():
            return
        print("   the data set predates approved history: rebuilding it", flush=True)
        call_command("generate_dataset", "--reset", stdout=out)
        return
    if not Indicator.objects.exists():
        call_command("seed_demo", password=os.urandom(12).hex(), stdout=io.StringIO())
    t = time.perf_counter()
    print("   building the national data set (generate_dataset)…", flush=True)
    call_command("generate_dataset", stdout=out)
    print(f"   built in {time.perf_counter() - t:.0f} s", flush=True)


def _leader(unit_codes: list[str]):
    user, _created = get_user_model().objects.get_or_create(username=BENCH_USER)
    for code in unit_codes:
        Membership.objects.get_or_create(user=user, org_unit=OrgUnit.objects.get(code=code), role=Role.LEADER)
    return user


def _page(client: Client, query: str) -> None:
    r = client.get(f"/?{query}")
    assert r.status_code == 200, r.status_code


def run(report, timeit):
    # Pages render {% static %}: plain storage, so the bench needs no collectstatic.
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    with override_settings(STORAGES=storages):
        _run(report, timeit)


def _run(report, timeit):
    translation.activate("vi")
    _ensure_dataset(io.StringIO())
    year = DataValue.objects.aggregate(y=Max("year"))["y"]
    province, country = OrgUnit.objects.get(code=PROVINCE), OrgUnit.objects.get(code=ROOT)
    n_units = OrgUnit.objects.subtree_of(country).count()
    n_values = DataValue.objects.filter(org_unit__path__startswith=country.path).count()
    print(f"   data set: {n_units} units, {n_values} values, year {year}, {connection.vendor}", flush=True)

    # -- the pages, as a leader opens them ----------------------------------------------------------
    client = Client()
    client.force_login(_leader([ROOT]))
    for name, unit, budget in (("province", province, PROVINCE_BUDGET_S), ("national", country, NATIONAL_BUDGET_S)):
        query = f"unit={unit.code}&year={year}"
        _page(client, query)  # warm caches (session, memberships, connection)
        queries: list[str] = []

        def counted(execute, sql, *args, seen=queries):
            seen.append(sql)
            return execute(sql, *args)

        with connection.execute_wrapper(counted):
            _page(client, query)
        measured = timeit(lambda q=query: _page(client, q), repeat=5)
        report(f"{name} dashboard page ({len(queries)} queries) vs budget", measured, budget, target=1.0)
        selector = timeit(lambda u=unit: dashboard(unit=u, year=year, quarter=4), repeat=5)
        report(f"{name} dashboard selectors only vs budget", selector, budget, target=1.0)

    # -- Rollup against hand-written SQL: the ranking of child units by sum indicators -------------
    sums = list(Indicator.objects.active().filter(time_aggregation=TimeAggregation.SUM, unit_aggregation=UnitAggregation.SUM))
    ids = [i.pk for i in sums]
    for name, unit in (("province", province), ("national", country)):
        children = list(OrgUnit.objects.filter(parent=unit).values_list("id", flat=True))

        def by_rollup(u=unit, kids=children):
            # Every layer: the hand-written SQL below reads every value, drafts included.
            r = Rollup(root=u, year=year, quarter=4, indicators=sums, layer=Layer.ALL)
            return {(i.pk, k): r.figure(i, k).value for i in sums for k in kids if not r.figure(i, k).is_empty}

        def by_sql(u=unit):
            if connection.vendor != "postgresql":
                return None
            params = {"prefix": f"{u.path}%", "year": year, "quarter": 4, "ids": ids, "root": u.pk}
            with connection.cursor() as cur:
                cur.execute(HAND_SQL, params)
                return {(ind, child): total for ind, child, total in cur.fetchall()}

        if connection.vendor != "postgresql":
            print("   (hand-written SQL baseline needs PostgreSQL: skipped)")
            continue
        assert by_rollup() == by_sql(), f"Rollup and hand-written SQL disagree for {unit.code}"
        report(
            f"{name}: Rollup of {len(sums)} sum indicators × {len(children)} children vs SQL",
            timeit(by_rollup),
            timeit(by_sql),
            target=3.0,
        )
