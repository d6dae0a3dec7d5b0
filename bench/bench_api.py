"""REST API: the values list against a bare `.values()` view, the aggregates endpoint against hand-written SQL.

Runs on the national data set of `generate_dataset` (built on first use, ~1.2 M
values). Both sides of each ratio go through the same Django stack in-process
(django.test.Client), so the ratio is the API's own overhead: authentication,
visibility, filters, pagination and serialisation for the list; the shared
aggregation rule (indicators.aggregation.Rollup) for the aggregates.
"""

import io
import os
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.http import JsonResponse
from django.test import Client
from django.test.utils import override_settings
from django.urls import include, path
from knox.models import AuthToken

from indicators.models import DataValue, Indicator, TimeAggregation, UnitAggregation
from organizations.models import Membership, OrgUnit, Role

ROOT, YEAR, PAGE = "VN", 2025, 1000
# The aggregates read a past year: all approved, so its official figures are every value, as the hand SQL reads them.
AGG_YEAR = YEAR - 1


def bare_values(request):
    """The baseline: the same page of rows as the API, straight from `.values()`."""
    rows = list(
        DataValue.objects.filter(year=YEAR)
        .order_by("id")
        .values(
            "id",
            "year",
            "quarter",
            "value",
            "numerator",
            "denominator",
            "note",
            "version",
            "updated_at",
            org_unit_code=F("org_unit__code"),
            indicator_code=F("indicator__code"),
        )[:PAGE]
    )
    return JsonResponse({"results": rows})


urlpatterns = [path("bare/values/", bare_values), path("api/v1/", include("api.urls"))]

SQL = """
WITH RECURSIVE sub AS (
    SELECT id, parent_id FROM {unit} WHERE path LIKE %s
), own AS (
    SELECT dv.indicator_id, dv.org_unit_id, SUM(dv.value) AS v, SUM(dv.numerator) AS n, SUM(dv.denominator) AS d
    FROM {value} dv JOIN sub ON sub.id = dv.org_unit_id
    WHERE dv.year = %s AND dv.quarter BETWEEN 1 AND %s AND dv.indicator_id IN ({ids})
    GROUP BY dv.indicator_id, dv.org_unit_id
), up(unit_id, anc_id) AS (
    SELECT id, parent_id FROM sub
    UNION ALL
    SELECT up.unit_id, s.parent_id FROM up JOIN sub s ON s.id = up.anc_id
),
-- A unit's own figure wins over its subtree: count only units with no ancestor (in the subtree) that has one.
blocked AS (
    SELECT DISTINCT a.indicator_id, up.unit_id FROM up JOIN own a ON a.org_unit_id = up.anc_id
)
SELECT o.indicator_id, SUM(o.v), SUM(o.n), SUM(o.d) FROM own o
LEFT JOIN blocked b ON b.indicator_id = o.indicator_id AND b.unit_id = o.org_unit_id
WHERE b.unit_id IS NULL
GROUP BY o.indicator_id
"""


def hand_sql(root: OrgUnit, indicators: list[Indicator], quarter: int = 4) -> dict:
    ids = ",".join(str(i.pk) for i in indicators)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # The recursive CTE's row estimate is huge, so PostgreSQL would spend ~0.5 s JIT-compiling a
            # 20 ms query: a fair baseline is the best this SQL can do.
            cur.execute("SET jit = off")
        cur.execute(
            SQL.format(unit=OrgUnit._meta.db_table, value=DataValue._meta.db_table, ids=ids), [f"{root.path}%", AGG_YEAR, quarter]
        )
        rows = {row[0]: row[1:] for row in cur.fetchall()}
        if connection.vendor == "postgresql":
            cur.execute("RESET jit")
        return rows


def _dataset() -> OrgUnit:
    if not Indicator.objects.exists():  # generate_dataset needs the catalogue
        call_command("seed_demo", password=os.urandom(12).hex(), stdout=io.StringIO())
    if not DataValue.objects.filter(org_unit__path__startswith=f"/{ROOT}/").exists():
        print("   building the national data set (generate_dataset, once)…", flush=True)
        call_command("generate_dataset", root=ROOT, reset=OrgUnit.objects.filter(code=ROOT).exists(), stdout=io.StringIO())
    if connection.vendor == "postgresql":
        # Fresh bulk-loaded tables: give the planner real statistics, as autovacuum would in production.
        with connection.cursor() as cur:
            cur.execute(f"ANALYZE {OrgUnit._meta.db_table}")
            cur.execute(f"ANALYZE {DataValue._meta.db_table}")
    return OrgUnit.objects.get(code=ROOT)


def _token(root: OrgUnit) -> str:
    user, _created = get_user_model().objects.get_or_create(username="bench_api_reviewer")
    Membership.objects.get_or_create(user=user, org_unit=root, role=Role.REVIEWER)
    _instance, token = AuthToken.objects.create(user=user, expiry=timedelta(hours=1))
    return token


def run(report, timeit):
    root = _dataset()
    n = DataValue.objects.count()
    print(f"   {n:,} values in the table; page of {PAGE} rows of {YEAR}", flush=True)
    client = Client(HTTP_AUTHORIZATION=f"Token {_token(root)}")
    from api.throttling import TokenClientThrottle

    # Throttling stays on (its cost is part of the API's) but must not stop the benchmark.
    TokenClientThrottle.THROTTLE_RATES = {"token": "1000000/hour"}
    with override_settings(ROOT_URLCONF=__name__):
        api_url = f"/api/v1/values/?year={YEAR}&page_size={PAGE}"
        r = client.get(api_url)
        b = client.get("/bare/values/")
        assert r.status_code == 200 and b.status_code == 200, r.content[:300]
        assert [x["id"] for x in r.json()["results"]] == [x["id"] for x in b.json()["results"]], "not the same rows"
        api_t = timeit(lambda: client.get(api_url), repeat=15)
        bare_t = timeit(lambda: client.get("/bare/values/"), repeat=15)
        report(f"values list, {PAGE} rows (API / bare .values() view)", api_t, bare_t, 1.5)

        # Flows that add up over quarters and over units: the part of the rule plain SQL expresses.
        indicators = list(
            Indicator.objects.filter(
                time_aggregation=TimeAggregation.SUM, unit_aggregation__in=[UnitAggregation.SUM, UnitAggregation.RATIO]
            ).order_by("code")
        )
        codes = ",".join(i.code for i in indicators)
        agg_url = f"/api/v1/aggregates/?indicator={codes}&org_unit={root.code}&year={AGG_YEAR}&quarter=4"
        got = client.get(agg_url).json()["figures"]
        expected = hand_sql(root, indicators)
        for i in indicators:
            v, num, den = expected.get(i.pk, (None, None, None))
            f = got[i.code]
            assert (f["numerator"], f["denominator"]) == (num, den), (i.code, f, expected.get(i.pk))
            assert (f["value"] is None) == (v is None) and (v is None or float(f["value"]) == float(v)), (i.code, f, v)
        api_t = timeit(lambda: client.get(agg_url), repeat=7)
        sql_t = timeit(lambda: hand_sql(root, indicators), repeat=7)
        report(f"aggregates {root.code} {AGG_YEAR}, {len(indicators)} indicators (API / hand SQL)", api_t, sql_t, 1.25)

        one = indicators[0]
        one_url = f"/api/v1/aggregates/?indicator={one.code}&org_unit={root.code}&year={AGG_YEAR}&quarter=4"
        api_t = timeit(lambda: client.get(one_url), repeat=7)
        sql_t = timeit(lambda: hand_sql(root, [one]), repeat=7)
        report(f"aggregates {root.code} {AGG_YEAR}, 1 indicator (API / hand SQL)", api_t, sql_t, 1.25)
