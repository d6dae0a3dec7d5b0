"""Would partitioning DataValue by year help? The portal's own reads on a partitioned copy vs the table.

The issue asks for `DataValue` partitioned by year only if measurements show it
helps. This bench copies the values into `bench_datavalue_by_year` (PARTITION BY
LIST (year), one partition a year, the model's indexes on each), once per
data set, and runs the statements the portal sends most against both: the fold's
quarter pivot (`indicators.fold_sql`, national and a province, two years), the
refresh's pivot of a few units, and the API's first values page of a year. A
ratio below 1 means the partitioned table is faster. No target: it informs the
decision, which README records. PostgreSQL only.
"""

import time

from django.db import connection

from bench.dataset import PROVINCE, ROOT, alternating, ensure, scale
from indicators import fold_sql
from indicators.models import DataValue, Indicator
from organizations.models import OrgUnit

COPY = "bench_datavalue_by_year"


def _model_indexes() -> list[str]:
    """The model's indexes and its unique cells (indicators.models.DataValue.Meta), as column lists for the copy."""
    column = lambda name: DataValue._meta.get_field(name).column  # noqa: E731
    out = []
    for index in DataValue._meta.indexes:
        sql = ", ".join(column(f) for f in index.fields)
        if index.include:
            sql += f") INCLUDE ({', '.join(column(f) for f in index.include)}"
        out.append(sql)
    for constraint in DataValue._meta.constraints:
        if getattr(constraint, "fields", None):
            out.append(", ".join(column(f) for f in constraint.fields))
    return out


def _copy_is_current(cur, table: str) -> bool:
    cur.execute("SELECT to_regclass(%s) IS NOT NULL", [COPY])
    if not cur.fetchone()[0]:
        return False
    cur.execute(f"SELECT (SELECT count(*) FROM {COPY}) = (SELECT count(*) FROM {table})")
    if not cur.fetchone()[0]:
        return False
    # Built with the model's indexes of today (a covering index added since means building it again).
    cur.execute("SELECT count(*) FROM pg_indexes WHERE tablename = %s", [COPY])
    return cur.fetchone()[0] == len(_model_indexes())


def _build_copy(table: str) -> None:
    with connection.cursor() as cur:
        if _copy_is_current(cur, table):
            return
        t = time.perf_counter()
        cur.execute(f"DROP TABLE IF EXISTS {COPY}")
        cur.execute(f"CREATE TABLE {COPY} (LIKE {table} INCLUDING DEFAULTS) PARTITION BY LIST (year)")
        cur.execute(f"SELECT DISTINCT year FROM {table} ORDER BY year")
        years = cur.fetchall()
        for (year,) in years:
            cur.execute(f"CREATE TABLE {COPY}_{year} PARTITION OF {COPY} FOR VALUES IN ({int(year)})")
        cur.execute(f"INSERT INTO {COPY} SELECT * FROM {table}")
        for n, columns in enumerate(_model_indexes()):
            cur.execute(f"CREATE INDEX {COPY}_i{n} ON {COPY} ({columns})")
        for (year,) in years:
            # As the table itself is after generate_dataset: visibility map and hint bits set, statistics fresh.
            cur.execute(f"VACUUM (ANALYZE) {COPY}_{year}")
        cur.execute(f"ANALYZE {COPY}")
        print(f"   partitioned copy built in {time.perf_counter() - t:.0f} s", flush=True)


def _on(table: str, statement):
    """Run `statement()` (which sends one fold_sql statement) with the values table renamed to `table` in its SQL."""

    def wrapper(execute, sql, params, many, context):
        return execute(sql.replace(f'"{DataValue._meta.db_table}"', table), params, many, context)

    def run():
        with connection.execute_wrapper(wrapper):
            return statement()

    return run


def run(report, timeit):
    if connection.vendor != "postgresql":
        print("   PostgreSQL only: skipped", flush=True)
        return
    country = ensure()
    table = DataValue._meta.db_table
    _build_copy(table)
    province = OrgUnit.objects.get(code=PROVINCE)
    indicator_ids = list(Indicator.objects.values_list("pk", flat=True))
    last = DataValue.objects.filter(org_unit__path__startswith=country.path).order_by("-year").values_list("year", flat=True)[0]
    years = {last - 1, last}
    communes = list(
        OrgUnit.objects.filter(path__startswith=province.path, kind="commune").order_by("id").values_list("id", flat=True)[:5]
    )

    def values_page():
        with connection.cursor() as cur:
            cur.execute(f'SELECT * FROM "{table}" WHERE year = %s ORDER BY id LIMIT 50', [last])
            return cur.fetchall()

    measures = [
        (
            f"fold pivot, {ROOT}, every indicator, two years",
            lambda: fold_sql.pivot_rows(years=years, indicator_ids=indicator_ids, paths=[country.path]),
            3,
        ),
        (
            f"fold pivot, {PROVINCE}, every indicator, two years",
            lambda: fold_sql.pivot_rows(years=years, indicator_ids=indicator_ids, paths=[province.path]),
            9,
        ),
        (
            "refresh pivot, 5 communes, two years",
            lambda: fold_sql.pivot_rows(years=years, indicator_ids=indicator_ids, units=communes),
            15,
        ),
        ("values list, first page of the last year (50 rows by id)", values_page, 15),
    ]
    print(f"   {DataValue.objects.count():,} values, scale {scale()}; partitioned / plain table:", flush=True)
    for name, statement, repeat in measures:
        parted, plain = alternating(_on(f'"{COPY}"', statement), statement, repeat=repeat)
        report(f"partitioned by year / table: {name}", parted, plain)
