"""REST API: the values list against a bare `.values()` view, the aggregates endpoint against hand-written SQL.

Runs on the national data set (bench/dataset.py: ~1.04 M values, ~10 M with
SCALE=10m). Both sides of each ratio go through the same Django stack in-process
(django.test.Client), so the ratio is the API's own overhead: authentication,
throttling, visibility, filters, pagination and serialisation for the list; the
shared aggregation rule (indicators.aggregation) for the aggregates. The query
count of each measure is printed for a province's and the nation's user: it must
not grow with the number of units they see.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Exists, F, OuterRef
from django.http import JsonResponse
from django.test import Client
from django.test.utils import override_settings
from django.urls import include, path
from knox.models import AuthToken
from rest_framework.request import Request

from api.auth import TokenAuthentication
from bench.dataset import PROVINCE, alternating, ensure, one_fix, one_write, query_count, scale
from indicators.models import DataValue, Indicator, Submission, TimeAggregation, UnitAggregation
from organizations.access import visible_units_q
from organizations.models import Membership, OrgUnit, Role

YEAR = 2025
# The aggregates read a past year: all approved, so its official figures are every value, as the hand SQL reads them.
AGG_YEAR = YEAR - 1
PAGES = (50, 1000)


def bare_values(request):
    """The baseline: the same page of rows as the API, straight from `.values()` (no authentication, no filter form).

    `under` is the path of the caller's subtree, as the API's visibility narrows it."""
    if request.GET.get("auth"):  # context only: the two lookups any scoped read needs (who asks, and their units)
        user, _token = TokenAuthentication().authenticate(Request(request))
        visible_units_q(user)
    qs = DataValue.objects.filter(year=YEAR, org_unit__path__startswith=request.GET["under"])
    if request.GET.get("official"):  # the leader's rows: approved quarters only
        approved = Submission.objects.filter(
            org_unit_id=OuterRef("org_unit_id"), year=OuterRef("year"), quarter=OuterRef("quarter"), status="approved"
        )
        qs = qs.filter(Exists(approved))
    rows = list(
        qs.order_by("id").values(
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
        )[: int(request.GET["n"])]
    )
    return JsonResponse({"results": rows})


def bare_aggregates(request):
    """The aggregates' baseline: the hand-written SQL below served as JSON by a bare view, as `bare_values` serves rows."""
    root = OrgUnit.objects.get(code=request.GET["org_unit"])
    indicators = list(Indicator.objects.filter(code__in=request.GET["indicator"].split(",")))
    figures = hand_sql(root, indicators)
    return JsonResponse({"figures": {i.code: figures.get(i.pk, (None, None, None)) for i in indicators}})


urlpatterns = [
    path("bare/values/", bare_values),
    path("bare/aggregates/", bare_aggregates),
    path("api/v1/", include("api.urls")),
]

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


def _client(username: str, unit: OrgUnit, role: str) -> Client:
    user, _created = get_user_model().objects.get_or_create(username=username)
    Membership.objects.get_or_create(user=user, org_unit=unit, role=role)
    _instance, token = AuthToken.objects.create(user=user, expiry=timedelta(hours=1))
    return Client(HTTP_AUTHORIZATION=f"Token {token}")


def _get(client: Client, url: str, status: int = 200, **headers):
    r = client.get(url, headers=headers)
    assert r.status_code == status, (url, r.status_code, r.content[:300])
    return r


def run(report, timeit):
    root = ensure()
    province = OrgUnit.objects.get(code=PROVINCE)
    print(f"   {DataValue.objects.count():,} values in the table (scale {scale()})", flush=True)
    clients = {
        "reviewer VN": _client("bench_api_reviewer", root, Role.REVIEWER),
        "reviewer P01": _client("bench_api_reviewer_p01", province, Role.REVIEWER),
        "leader VN": _client("bench_api_leader", root, Role.LEADER),
        "leader P01": _client("bench_api_leader_p01", province, Role.LEADER),
    }
    from api.throttling import TokenClientThrottle

    # Throttling stays on (its cost is part of the API's) but must not stop the benchmark.
    TokenClientThrottle.THROTTLE_RATES = {"token": "1000000/hour"}
    # The test client sends request_finished before it returns, so a national fold's snapshot would be pickled inside
    # the timed request, which a server does after the response (bench_dashboard times that on its own): off here.
    with override_settings(ROOT_URLCONF=__name__, FIGURE_SNAPSHOT_FROM=0):
        _values_list(report, clients, root)
        _aggregates(report, timeit, clients, root, province)


def _values_list(report, clients, root):
    counts = []
    for who, client in clients.items():
        url = f"/api/v1/values/?year={YEAR}&page_size=50"
        _get(client, url)
        counts.append(f"{who} {query_count(lambda c=client, u=url: _get(c, u))}")
    print(f"   values list, queries per request: {', '.join(counts)}", flush=True)
    for who, official in (("reviewer VN", ""), ("leader VN", "&official=1")):
        client = clients[who]
        for n in PAGES:
            api_url = f"/api/v1/values/?year={YEAR}&page_size={n}"
            bare_url = f"/bare/values/?n={n}&under={root.path}{official}"
            r, b = _get(client, api_url), _get(client, bare_url)
            assert [x["id"] for x in r.json()["results"]] == [x["id"] for x in b.json()["results"]], "not the same rows"
            api_t, bare_t = alternating(
                lambda c=client, u=api_url: _get(c, u), lambda c=client, u=bare_url: _get(c, u), repeat=30
            )
            report(f"values list, {n} rows, {who} (API / bare .values() view)", api_t, bare_t, 1.5)
        if who == "reviewer VN":
            bare_url = f"/bare/values/?n=50&under={root.path}&auth=1"
            api_url = f"/api/v1/values/?year={YEAR}&page_size=50"
            api_t, bare_t = alternating(
                lambda c=client, u=api_url: _get(c, u), lambda c=client, u=bare_url: _get(c, u), repeat=30
            )
            report(f"  (context: 50 rows, {who}, API / bare view + token + memberships)", api_t, bare_t)


def _aggregates(report, timeit, clients, root: OrgUnit, province: OrgUnit):
    client = clients["reviewer VN"]
    # Flows that add up over quarters and over units: the part of the rule plain SQL expresses.
    indicators = list(
        Indicator.objects.filter(
            time_aggregation=TimeAggregation.SUM, unit_aggregation__in=[UnitAggregation.SUM, UnitAggregation.RATIO]
        ).order_by("code")
    )
    codes = ",".join(i.code for i in indicators)

    def url(unit, ids=codes):
        return f"/api/v1/aggregates/?indicator={ids}&org_unit={unit.code}&year={AGG_YEAR}&quarter=4"

    def sql(ids):
        """The hand SQL of `ids` through the same stack as the API's request (the Django test client, one view)."""
        return lambda: _get(client, f"/bare/aggregates/?indicator={ids}&org_unit={root.code}")

    got = _get(client, url(root)).json()["figures"]
    expected = hand_sql(root, indicators)
    for i in indicators:
        v, num, den = expected.get(i.pk, (None, None, None))
        f = got[i.code]
        assert (f["numerator"], f["denominator"]) == (num, den), (i.code, f, expected.get(i.pk))
        assert (f["value"] is None) == (v is None) and (v is None or float(f["value"]) == float(v)), (i.code, f, v)

    fix = one_fix(root, AGG_YEAR)  # a value changed by SQL and the version moved with no cells (`mark_data_changed`)

    counts = []
    for unit in (province, root):
        _get(client, url(unit))
        counts.append(f"{unit.code} warm {query_count(lambda u=unit: _get(client, url(u)))}")
        fix()
        counts.append(f"{unit.code} cold {query_count(lambda u=unit: _get(client, url(u)))}")
    print(f"   aggregates, queries per request: {', '.join(counts)}", flush=True)

    repeat = 5 if scale() == "10m" else 7
    for label, ids, subset in (
        (f"{len(indicators)} indicators", codes, indicators),
        ("1 indicator", indicators[0].code, indicators[:1]),
    ):
        u = url(root, ids)
        cold_t, sql_t = alternating(lambda u=u: _get(client, u), sql(ids), repeat=repeat, before_a=fix)
        alone_t = timeit(lambda s=subset: hand_sql(root, s), repeat=repeat)
        report(f"  (context: {label}, hand SQL alone / through the stack)", alone_t, sql_t)
        report(f"aggregates {root.code} {AGG_YEAR}, {label}, cold (API / hand SQL)", cold_t, sql_t, 1.0)
        if connection.vendor == "postgresql":  # the same fix made in psql: the database logs the cell itself
            psql = one_fix(root, AGG_YEAR, outside=True)
            _get(client, u)
            fixed_t, sql_t3 = alternating(lambda u=u: _get(client, u), sql(ids), repeat=repeat, before_a=psql)
            report(f"aggregates {root.code} {AGG_YEAR}, {label}, after a fix in psql (API / hand SQL)", fixed_t, sql_t3, 1.0)
        write = one_write(root, AGG_YEAR)

        _get(client, u)
        # The read after each write, timed alone (the save is the clerk's time, ~2 ms, not the reader's).
        written_t, sql_t2 = alternating(lambda u=u: _get(client, u), sql(ids), repeat=repeat, before_a=write)
        report(f"aggregates {root.code} {AGG_YEAR}, {label}, after one value written (API / hand SQL)", written_t, sql_t2, 1.0)
        warm_t = timeit(lambda u=u: _get(client, u), repeat=repeat)
        report(f"aggregates {root.code} {AGG_YEAR}, {label}, warm (API / hand SQL)", warm_t, sql_t, 1.0)
        etag = _get(client, u).headers.get("ETag")
        if etag:
            hit = timeit(lambda u=u, e=etag: _get(client, u, 304, if_none_match=e), repeat=repeat)
            report(f"aggregates {root.code} {AGG_YEAR}, {label}, If-None-Match → 304 (/ hand SQL)", hit, sql_t)
