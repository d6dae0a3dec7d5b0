"""The national data set the benchmarks read, at the size `make bench SCALE=…` asks for.

SCALE=1m (the default) is the issue's national set (~1.04 M values: 34 provinces ×
10 districts × 3 communes, ten years), in the database reform_bench; SCALE=10m is
~10 M values (69 communes a district) in reform_bench_10m. The Makefile picks the
database; this module builds the tree there on first use (generate_dataset
--values) and rebuilds it when the table holds a different size.
"""

import io
import os
import time

from django.core.management import call_command
from django.db import connection

from indicators.models import DataValue, Indicator, Submission, SubmissionStatus
from organizations.models import OrgUnit

ROOT, PROVINCE = "VN", "VN-P01"
SCALES = {"100k": 100_000, "1m": 1_000_000, "10m": 10_000_000}


def scale() -> str:
    name = os.environ.get("BENCH_SCALE") or ("1m" if connection.vendor == "postgresql" else "100k")
    if name not in SCALES:
        raise SystemExit(f"SCALE must be one of {', '.join(SCALES)}, not {name!r}")
    return name


def _has(target: int) -> bool:
    root = OrgUnit.objects.filter(code=ROOT).first()
    if root is None:
        return False
    n = DataValue.objects.filter(org_unit__path__startswith=root.path).count()
    first = DataValue.objects.filter(org_unit__path__startswith=root.path).order_by("year").values_list("year", flat=True)[:1]
    approved = Submission.objects.filter(org_unit__path__startswith=root.path, year__in=first, status=SubmissionStatus.APPROVED)
    return abs(n - target) <= target * 0.25 and approved.exists()


def ensure() -> OrgUnit:
    """The root of the national tree, built (or rebuilt to the asked size) if needed."""
    target = SCALES[scale()]
    if not Indicator.objects.exists():  # generate_dataset needs the catalogue
        call_command("seed_demo", password=os.urandom(12).hex(), stdout=io.StringIO())
    if not _has(target):
        print(f"   building the national data set: generate_dataset --values {target:,} (once)…", flush=True)
        t = time.perf_counter()
        out = io.StringIO()
        call_command("generate_dataset", root=ROOT, values=target, reset=OrgUnit.objects.filter(code=ROOT).exists(), stdout=out)
        print(f"   built in {time.perf_counter() - t:.0f} s: {out.getvalue().splitlines()[0]}", flush=True)
    return OrgUnit.objects.get(code=ROOT)


def query_count(fn) -> int:
    """How many SQL statements one call of `fn` sends."""
    seen = []

    def counted(execute, sql, *args):
        seen.append(sql)
        return execute(sql, *args)

    with connection.execute_wrapper(counted):
        fn()
    return len(seen)


def alternating(a, b, *, repeat: int = 7, before_a=None) -> tuple[float, float]:
    """Best time of each, measured in turns (a, b, a, b…) so that a busy machine slows both alike.

    `before_a`, when given, runs untimed before each run of `a`."""
    best_a = best_b = float("inf")
    for _ in range(repeat):
        if before_a is not None:
            before_a()
        t = time.perf_counter()
        a()
        best_a = min(best_a, time.perf_counter() - t)
        t = time.perf_counter()
        b()
        best_b = min(best_b, time.perf_counter() - t)
    return best_a, best_b


def percentile(samples: list[float], p: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, round((len(s) - 1) * p))]


def one_write(root, year: int):
    """A function that writes one value of a commune under `root` in `year` and commits, as a clerk's save does.

    The data version moves and the change log names that one (unit, year): what the next reader pays
    is the kept roll-ups' refresh, not a fold from the values.
    """
    from indicators.models import DataValue

    value = (
        DataValue.objects.filter(org_unit__path__startswith=root.path, org_unit__kind="commune", year=year).order_by("id").first()
    )
    counter = iter(range(1_000_000))

    def write():
        value.note = f"bench {next(counter)}"
        value.save(update_fields=["note", "updated_at"])  # outside a transaction: committed at once

    return write


def one_fix(root, year: int, *, outside: bool = False):
    """A function that changes one value of a commune under `root` in `year` by SQL, alternately up and down.

    By default on the portal's own connection, behind its back, then said with `data_changed()` and no cells (what
    `manage.py mark_data_changed` does): the change log says "anything changed", so the kept roll-ups are checked
    against the data and the one unit-year that differs is folded again (`Rollup._rechecked_all`). `outside`
    (PostgreSQL): on a connection of its own, as psql's, and nothing said: the database logs the cell itself
    (indicators/migrations/0008_database_change_log.py) and the kept roll-ups refresh it as after a save.
    """
    from django.db import connection

    from indicators.models import DataValue
    from organizations.data_version import data_changed

    value = (
        DataValue.objects.filter(org_unit__path__startswith=root.path, org_unit__kind="commune", year=year, value__isnull=False)
        .order_by("id")
        .first()
    )
    turn = iter(range(1_000_000))
    sql = f"UPDATE {DataValue._meta.db_table} SET value = value + %s WHERE id = %s"

    def fix():
        step = 1 if next(turn) % 2 == 0 else -1
        if outside:
            import psycopg2

            d = connection.settings_dict
            conn = psycopg2.connect(
                host=d["HOST"], port=d["PORT"] or 5432, user=d["USER"], password=d["PASSWORD"], dbname=d["NAME"]
            )
            try:
                with conn, conn.cursor() as cursor:  # committed on leaving
                    cursor.execute(sql, [step, value.pk])
            finally:
                conn.close()
            return
        with connection.cursor() as cursor:  # autocommit: committed at once, and no signal sees it
            cursor.execute(sql, [step, value.pk])
        data_changed()

    return fix


def one_move(root):
    """A function that moves one commune under `root` to the next district of its province and back, alternately,
    and commits, as a reorganisation step in the admin does: the change log says the tree changed, not where."""
    from organizations.models import OrgUnit

    commune = OrgUnit.objects.filter(path__startswith=root.path, kind="commune").order_by("path").first()
    home = commune.parent
    away = OrgUnit.objects.filter(parent=home.parent, kind=home.kind).exclude(pk=home.pk).order_by("path").first()
    turn = iter(range(1_000_000))

    def move():
        target = away if next(turn) % 2 == 0 else home
        commune.parent, commune.path = target, f"{target.path}{commune.code}/"
        commune.save(update_fields=["parent", "path"])  # a leaf: only its own path changes

    return move
