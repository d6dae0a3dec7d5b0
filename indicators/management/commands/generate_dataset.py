"""A synthetic national data set for benchmarks: provinces, districts, communes, years of quarterly values.

Values are plausible, not real: flows vary around a unit's own level, stocks
grow, rates stay in 0–100, ratios keep numerator ≤ denominator. Past years are
history (every unit-quarter approved, so the official layer holds them); the last
year is a realistic mix of statuses. Rows go straight to the tables — through the
audited service a million rows would measure the audit, not the reads.

On PostgreSQL everything is set-based (INSERT … SELECT over generate_series and
the plan of who reports what), so ten million values take minutes and the
command's memory does not grow with them; SQLite gets the same rules in Python,
bulk_create in batches, for the small sets tests use.
"""

import random
import time
from dataclasses import dataclass
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from indicators.models import DataValue, Indicator, Submission, SubmissionStatus, TimeAggregation, ValueType
from organizations.data_version import data_changed
from organizations.models import OrgUnit, UnitKind

DEPARTMENTS = [
    "STTTT",
    "SNV",
    "STC",
    "SYT",
    "SCT",
    "VPUB",
    "SKHDT",
    "STP",
    "SXD",
    "SGDDT",
    "TTHCC",
    "SVHTTDL",
    "SNNPTNT",
    "STNMT",
    "SLDTBXH",
    "SGTVT",
]
# Departments that report a department-level indicator; the rest leave it to these.
SPECIALISTS = {"health": {"SYT"}, "ecommerce": {"SCT"}, "portal": {"STTTT"}, "press": {"STTTT"}}
CENTRAL_AGENCIES, PRESS = 2, 2  # per province

# The shape --values scales from: the country's 34 provinces, 10 districts each, ten years.
DEFAULT_PROVINCES, DEFAULT_DISTRICTS, DEFAULT_COMMUNES, DEFAULT_YEARS = 34, 10, 10, "2016-2025"
# Above this many new values the table's secondary indexes and foreign keys are dropped and rebuilt:
# one sort per index instead of ten million random B-tree insertions and deferred FK checks.
REBUILD_INDEXES_FROM = 500_000

# Last year's submissions: below 0.08 not started, then approved, submitted, draft.
NOT_STARTED, APPROVED_BELOW, SUBMITTED_BELOW = 0.08, 0.8, 0.92


@dataclass(frozen=True)
class Shape:
    provinces: int
    districts: int
    communes: int
    first: int
    last: int

    @property
    def years(self) -> range:
        return range(self.first, self.last + 1)


def _mode(ind: Indicator) -> str:
    """How a synthetic series behaves: a rate, a ratio, a stock that grows, or a flow that varies."""
    if ind.value_type == ValueType.RATIO:
        return "ratio"
    if ind.value_type == ValueType.PERCENT:
        return "percent"
    return "stock" if ind.time_aggregation == TimeAggregation.LAST else "flow"


def reporting_plan(indicators) -> list[tuple[str, str | None, int, str]]:
    """(unit kind, department code or None for any, indicator id, mode): who reports what, in one place."""
    plan = []
    for ind in indicators:
        for kind in ind.reported_by_kinds:
            if kind != UnitKind.DEPARTMENT:
                plan.append((kind, None, ind.pk, _mode(ind)))
                continue
            owners = next(
                (owners for needle, owners in SPECIALISTS.items() if needle in ind.code or needle == ind.group.code), None
            )
            plan += [(kind, d, ind.pk, _mode(ind)) for d in DEPARTMENTS if owners is None or d in owners]
    return plan


def values_per_year(plan, provinces: int, districts: int, communes: int) -> int:
    """How many values one year of a tree of this shape holds (four quarters of every reported pair)."""
    per = {k: sum(1 for kind, _d, _i, _m in plan if kind == k) for k in UnitKind.values}
    province = (
        per[UnitKind.PROVINCE]
        + per[UnitKind.DEPARTMENT]  # already one row per reporting department
        + CENTRAL_AGENCIES * per[UnitKind.CENTRAL_AGENCY]
        + PRESS * per[UnitKind.PRESS]
        + districts * (per[UnitKind.DISTRICT] + communes * per[UnitKind.COMMUNE])
    )
    return 4 * provinces * province


def shape_for(plan, target: int | None, *, provinces, districts, communes, years: str) -> Shape:
    """The tree for about `target` values: ten years of 34 provinces × 10 districts, communes per district scaled
    to reach it (≈ 10 M values at 69 communes a district); below one commune a district, fewer provinces."""
    try:
        first, last = (int(y) for y in years.split("-"))
    except ValueError:
        raise CommandError("--years must look like 2016-2025")
    if last < first:
        raise CommandError("--years must look like 2016-2025")
    provinces = provinces or DEFAULT_PROVINCES
    districts = districts or DEFAULT_DISTRICTS
    n_years = last - first + 1
    if target and not communes:
        per_commune = values_per_year(plan, provinces, districts, 1) - values_per_year(plan, provinces, districts, 0)
        fixed = values_per_year(plan, provinces, districts, 0)
        communes = round((target / n_years - fixed) / per_commune) if per_commune else 1
        if communes < 1:
            communes = 1
            per_province = values_per_year(plan, 1, districts, 1) * n_years
            provinces = max(1, min(provinces, round(target / per_province)))
    return Shape(provinces, districts, communes or DEFAULT_COMMUNES, first, last)


class Command(BaseCommand):
    help = (
        "Build a synthetic national tree under --root (default VN) with quarterly values, for make bench. "
        "--values N sizes it: 34 provinces × 10 districts for ten years, the communes per district scaled to reach "
        "about N values (1 M ≈ 3 communes a district, 10 M ≈ 69; below one commune a district, fewer provinces); "
        "explicit --provinces/--districts-per-province/--communes-per-district win. Past years approved, the last "
        "year a realistic mix. On PostgreSQL set-based SQL (≈ 10 M values in minutes, bounded memory); it rebuilds "
        "the values table's indexes when adding many rows, so run it on a benchmark database, not a live one."
    )

    def add_arguments(self, parser):
        parser.add_argument("--root", default="VN")
        parser.add_argument("--values", type=int, help="About how many values to build (sizes the tree).")
        parser.add_argument("--provinces", type=int)
        parser.add_argument("--districts-per-province", type=int)
        parser.add_argument("--communes-per-district", type=int)
        parser.add_argument("--years", default=DEFAULT_YEARS, help="FIRST-LAST")
        parser.add_argument("--reset", action="store_true", help="Delete the root's subtree and its data first.")
        parser.add_argument("--seed", type=int, default=2018)

    def handle(self, *args, root, values, provinces, districts_per_province, communes_per_district, years, reset, seed, **o):
        for name, n in (("--values", values), ("--provinces", provinces), ("--districts-per-province", districts_per_province)):
            if n is not None and n < 1:
                raise CommandError(f"{name} must be at least 1")
        if communes_per_district is not None and communes_per_district < 0:
            raise CommandError("--communes-per-district must be at least 0")
        indicators = list(Indicator.objects.active().select_related("group").order_by("pk"))
        if not indicators:
            raise CommandError("No indicators: load the catalogue first (seed_demo or import_indicators).")
        plan = reporting_plan(indicators)
        shape = shape_for(
            plan, values, provinces=provinces, districts=districts_per_province, communes=communes_per_district, years=years
        )
        if reset:
            t = time.perf_counter()
            self._delete(root)
            self.stdout.write(f"deleted the old {root} in {time.perf_counter() - t:.1f}s")
        elif OrgUnit.objects.filter(code=root).exists():
            self.stdout.write(f"{root} exists already; use --reset to rebuild it.")
            return
        expected = values_per_year(plan, shape.provinces, shape.districts, shape.communes) * len(shape.years)
        self.stdout.write(
            f"{shape.provinces} provinces × {shape.districts} districts × {shape.communes} communes, "
            f"{shape.first}–{shape.last}: {expected:,} values"
        )
        sql = connection.vendor == "postgresql"
        start = t = time.perf_counter()
        with transaction.atomic():
            country = self._tree(root, shape)
            self.stdout.write(f"{OrgUnit.objects.subtree_of(country).count()} units in {time.perf_counter() - t:.1f}s")
            t = time.perf_counter()
            if sql:
                n, h, s = self._sql(country, shape, plan, seed, expected)
            else:
                rng = random.Random(seed)
                n = self._values_python(country, shape, plan, rng)
                h, s = self._submissions_python(country, shape, rng)
        self.stdout.write(f"{n:,} values, {h:,} approved submissions for {shape.first}–{shape.last - 1}, {s:,} for {shape.last}")
        if sql:
            t2 = time.perf_counter()
            # Fresh statistics and visibility map (index-only scans read the values' covering index), as
            # autovacuum would give them later; inside a caller's transaction only ANALYZE may run.
            command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
            with connection.cursor() as cur:
                for model in (DataValue, Submission, OrgUnit):
                    cur.execute(f"{command} {model._meta.db_table}")
            self.stdout.write(f"vacuumed and analyzed in {time.perf_counter() - t2:.1f}s")
        self.stdout.write(f"built in {time.perf_counter() - start:.1f}s (values and submissions {time.perf_counter() - t:.1f}s)")

    # -- the tree ----------------------------------------------------------------------------------

    def _tree(self, root: str, shape: Shape) -> OrgUnit:
        """Country, provinces, their departments, agencies, press, districts and communes, paths set as created."""
        since = date(1990, 1, 1)

        def unit(code, name, kind, parent):
            return OrgUnit(
                code=code,
                name_vi=name,
                kind=kind,
                parent=parent,
                valid_from=since,
                path=f"{parent.path}{code}/",
                depth=parent.depth + 1,
            )

        country = OrgUnit.objects.create(
            code=root,
            name_vi="Toàn quốc (dữ liệu mô phỏng)",
            name_en="Country (synthetic)",
            kind=UnitKind.COUNTRY,
            path=f"/{root}/",
            depth=0,
            valid_from=since,
        )
        for p in range(1, shape.provinces + 1):
            pc = f"{root}-P{p:02d}"
            province = OrgUnit.objects.create(
                code=pc,
                name_vi=f"Tỉnh mô phỏng {p:02d}",
                kind=UnitKind.PROVINCE,
                parent=country,
                path=f"{country.path}{pc}/",
                depth=1,
                valid_from=since,
            )
            children = [unit(f"{pc}-{d}", f"Sở {d} tỉnh {p:02d}", UnitKind.DEPARTMENT, province) for d in DEPARTMENTS]
            children += [
                unit(f"{pc}-CT{i}", f"Cơ quan Trung ương {i} tỉnh {p:02d}", UnitKind.CENTRAL_AGENCY, province)
                for i in range(1, CENTRAL_AGENCIES + 1)
            ]
            children += [
                unit(f"{pc}-DAI", f"Đài PT-TH tỉnh {p:02d}", UnitKind.PRESS, province),
                unit(f"{pc}-BAO", f"Báo tỉnh {p:02d}", UnitKind.PRESS, province),
            ][:PRESS]
            districts = [
                unit(f"{pc}-H{d:02d}", f"Huyện {d:02d} tỉnh {p:02d}", UnitKind.DISTRICT, province)
                for d in range(1, shape.districts + 1)
            ]
            OrgUnit.objects.bulk_create(children + districts)
            communes = [
                unit(f"{h.code}-X{x:02d}", f"Xã {x:02d} {h.name_vi}", UnitKind.COMMUNE, h)
                for h in districts
                for x in range(1, shape.communes + 1)
            ]
            OrgUnit.objects.bulk_create(communes, batch_size=2000)
        return country

    def _delete(self, root: str) -> None:
        """The root's subtree and the generated data hanging from it, in plain DELETEs (no row loaded into Python).

        Anything else that points into the subtree (a campaign, an evidence file…) stops the deletion:
        the foreign key refuses it and nothing is deleted.
        """
        from indicators.models import Reminder, SubmissionEvent, ValueChange
        from organizations.models import Membership

        unit = OrgUnit._meta.db_table
        sub = f"SELECT id FROM {unit} WHERE path LIKE %s"
        prefix = [f"/{root}/%"]
        through = OrgUnit.predecessors.through._meta.db_table
        try:
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute(
                    f"DELETE FROM {SubmissionEvent._meta.db_table} WHERE submission_id IN "
                    f"(SELECT id FROM {Submission._meta.db_table} WHERE org_unit_id IN ({sub}))",
                    prefix,
                )
                for model in (DataValue, ValueChange, Submission, Membership, Reminder):
                    cur.execute(f"DELETE FROM {model._meta.db_table} WHERE org_unit_id IN ({sub})", prefix)
                cur.execute(f"DELETE FROM {through} WHERE from_orgunit_id IN ({sub}) OR to_orgunit_id IN ({sub})", prefix * 2)
                cur.execute(f"UPDATE {unit} SET parent_id = NULL WHERE path LIKE %s", prefix)
                cur.execute(f"DELETE FROM {unit} WHERE path LIKE %s", prefix)
                data_changed()  # raw SQL sends no model signal
        except IntegrityError as exc:
            raise CommandError(f"Other data refers to units under {root}; delete it first ({exc}).") from exc

    # -- PostgreSQL: set-based ---------------------------------------------------------------------

    def _sql(self, country: OrgUnit, shape: Shape, plan, seed: int, expected: int) -> tuple[int, int, int]:
        value_t, sub_t, unit_t = DataValue._meta.db_table, Submission._meta.db_table, OrgUnit._meta.db_table
        now = timezone.now()
        with connection.cursor() as cur:
            cur.execute("SET LOCAL maintenance_work_mem = '512MB'")  # index rebuilds sort in memory
            cur.execute("SET LOCAL jit = off")  # a few dozen short INSERTs: compiling would cost more than it saves
            cur.execute("SELECT setseed(%s)", [(seed % 2_000_000) / 1_000_000 - 1])  # reproducible random()
            cur.execute("DROP TABLE IF EXISTS gen_plan, gen_pairs")  # a caller's open transaction may hold earlier ones
            cur.execute("CREATE TEMP TABLE gen_plan (kind text, dept text, indicator_id bigint, mode text) ON COMMIT DROP")
            cur.executemany("INSERT INTO gen_plan VALUES (%s, %s, %s, %s)", plan)
            # One row per (unit, indicator) with the series' own constants: level, denominator, growth per quarter.
            cur.execute(
                f"""
                CREATE TEMP TABLE gen_pairs ON COMMIT DROP AS
                SELECT u.id AS unit_id, p.indicator_id, p.mode,
                       5 + floor(random() * 196)::int AS level,
                       5 + floor(random() * 36)::int AS den,
                       random() * 5 AS growth
                FROM {unit_t} u JOIN gen_plan p
                  ON p.kind = u.kind AND (p.dept IS NULL OR u.code = split_part(u.path, '/', 3) || '-' || p.dept)
                WHERE u.path LIKE %s
                ORDER BY u.path, p.indicator_id
                """,
                [f"{country.path}%"],
            )
            rebuild = expected >= REBUILD_INDEXES_FROM
            with _indexes_rebuilt(cur, [value_t, sub_t] if rebuild else [], self.stdout):
                n = 0
                for k, (year, quarter) in enumerate((y, q) for y in shape.years for q in (1, 2, 3, 4)):
                    # Quarter by quarter, as reports arrive: the table's order is the order of time.
                    cur.execute(
                        f"""
                        INSERT INTO {value_t}
                            (indicator_id, org_unit_id, year, quarter, value, numerator, denominator, note, version, updated_at)
                        SELECT indicator_id, unit_id, %(year)s, %(quarter)s,
                               CASE mode
                                 WHEN 'percent' THEN round((40 + 60 * random())::numeric, 2)
                                 WHEN 'stock' THEN floor(level + (%(k)s + random()) * growth)
                                 WHEN 'flow' THEN greatest(0, round(
                                     level + level / 4.0 * sqrt(3) * (random() + random() + random() + random() - 2)))
                               END,
                               CASE WHEN mode = 'ratio' THEN den / 2 + floor(random() * (den - den / 2 + 1))::int END,
                               CASE WHEN mode = 'ratio' THEN den END,
                               '', 1, %(now)s
                        FROM gen_pairs
                        """,
                        {"year": year, "quarter": quarter, "k": k, "now": now},
                    )
                    n += cur.rowcount
                    if quarter == 4:
                        self.stdout.write(f"  {year}: {n:,} values so far")
                cur.execute(
                    f"""
                    INSERT INTO {sub_t} (org_unit_id, year, quarter, status, submitted_at, reviewed_at, comment, updated_at)
                    SELECT u.id, y, q, %(approved)s, %(now)s, %(now)s, '', %(now)s
                    FROM {unit_t} u, generate_series(%(first)s, %(last)s - 1) y, generate_series(1, 4) q
                    WHERE u.path LIKE %(prefix)s AND u.kind <> %(country)s
                    ORDER BY y, q, u.path
                    """,
                    {**self._sub_params(country, shape, now)},
                )
                history = cur.rowcount
                cur.execute(
                    f"""
                    INSERT INTO {sub_t} (org_unit_id, year, quarter, status, submitted_at, reviewed_at, comment, updated_at)
                    SELECT id, %(last)s, q,
                           CASE WHEN r < %(approved_below)s THEN %(approved)s
                                WHEN r < %(submitted_below)s THEN %(submitted)s ELSE %(draft)s END,
                           CASE WHEN r < %(submitted_below)s THEN %(now)s END,
                           CASE WHEN r < %(approved_below)s THEN %(now)s END,
                           '', %(now)s
                    FROM (SELECT u.id, u.path, q, random() AS r
                          FROM {unit_t} u, generate_series(1, 4) q
                          WHERE u.path LIKE %(prefix)s AND u.kind <> %(country)s) roll
                    WHERE r >= %(not_started)s
                    ORDER BY q, path
                    """,
                    self._sub_params(country, shape, now),
                )
                last = cur.rowcount
            cur.execute("DROP TABLE gen_plan, gen_pairs")
            data_changed()  # INSERT … SELECT sends no model signal
        return n, history, last

    @staticmethod
    def _sub_params(country, shape, now) -> dict:
        return {
            "prefix": f"{country.path}%",
            "country": UnitKind.COUNTRY,
            "first": shape.first,
            "last": shape.last,
            "now": now,
            "approved": SubmissionStatus.APPROVED,
            "submitted": SubmissionStatus.SUBMITTED,
            "draft": SubmissionStatus.DRAFT,
            "not_started": NOT_STARTED,
            "approved_below": APPROVED_BELOW,
            "submitted_below": SUBMITTED_BELOW,
        }

    # -- SQLite (and any other backend): the same rules in Python, in batches ----------------------

    def _values_python(self, country: OrgUnit, shape: Shape, plan, rng: random.Random) -> int:
        by_kind: dict[str, list[tuple[str | None, int, str]]] = {}
        for kind, dept, ind, mode in plan:
            by_kind.setdefault(kind, []).append((dept, ind, mode))

        def rows():
            for unit in OrgUnit.objects.subtree_of(country).order_by("path").only("id", "code", "kind").iterator():
                dept_of_unit = unit.code.rsplit("-", 1)[-1]
                for dept, ind, mode in by_kind.get(unit.kind, []):
                    if dept is not None and dept != dept_of_unit:
                        continue
                    level, den, growth = rng.randint(5, 200), rng.randint(5, 40), rng.uniform(0, 5)
                    for k, (year, q) in enumerate((y, q) for y in shape.years for q in (1, 2, 3, 4)):
                        v = n = d = None
                        if mode == "ratio":
                            n, d = rng.randint(den // 2, den), den
                        elif mode == "percent":
                            v = round(rng.uniform(40, 100), 2)
                        elif mode == "stock":
                            v = int(level + (k + rng.random()) * growth)
                        else:
                            v = max(0, round(rng.gauss(level, level / 4)))
                        yield DataValue(
                            indicator_id=ind, org_unit_id=unit.pk, year=year, quarter=q, value=v, numerator=n, denominator=d
                        )

        return _batched_create(DataValue, rows())

    def _submissions_python(self, country: OrgUnit, shape: Shape, rng: random.Random) -> tuple[int, int]:
        now = timezone.now()
        units = OrgUnit.objects.subtree_of(country).exclude(kind=UnitKind.COUNTRY).order_by("path")
        unit_ids = list(units.values_list("id", flat=True))
        history = (
            Submission(org_unit_id=u, year=y, quarter=q, status=SubmissionStatus.APPROVED, submitted_at=now, reviewed_at=now)
            for y in range(shape.first, shape.last)
            for q in (1, 2, 3, 4)
            for u in unit_ids
        )

        def last_year():
            for q in (1, 2, 3, 4):
                for u in unit_ids:
                    r = rng.random()
                    if r < NOT_STARTED:
                        continue
                    status = (
                        SubmissionStatus.APPROVED
                        if r < APPROVED_BELOW
                        else SubmissionStatus.SUBMITTED
                        if r < SUBMITTED_BELOW
                        else SubmissionStatus.DRAFT
                    )
                    yield Submission(
                        org_unit_id=u,
                        year=shape.last,
                        quarter=q,
                        status=status,
                        submitted_at=None if status == SubmissionStatus.DRAFT else now,
                        reviewed_at=now if status == SubmissionStatus.APPROVED else None,
                    )

        return _batched_create(Submission, history), _batched_create(Submission, last_year())


def _batched_create(model, objs, size: int = 5000) -> int:
    """bulk_create from an iterator, `size` at a time: memory holds one batch, never the whole set."""
    n, batch = 0, []
    for obj in objs:
        batch.append(obj)
        if len(batch) == size:
            model.objects.bulk_create(batch)
            n, batch = n + size, []
    if batch:
        model.objects.bulk_create(batch)
        n += len(batch)
    return n


class _indexes_rebuilt:
    """Drop the tables' secondary indexes, unique constraints and foreign keys; rebuild them on exit.

    Rebuilding sorts once per index; keeping them costs a random B-tree insertion per index per
    row, and every deferred foreign-key check waits in memory until commit. All inside the
    command's transaction: a failure restores the tables as they were.
    """

    def __init__(self, cur, tables: list[str], out):
        self.cur, self.tables, self.out = cur, tables, out
        self.restore: list[str] = []

    def __enter__(self):
        cur = self.cur
        if self.tables:  # checks still pending (the tree just inserted) would forbid ALTER TABLE: run them now
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in self.tables:
            # Constraints first (unique and foreign keys), then the plain indexes left; the primary key stays.
            cur.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype IN ('u', 'f') ORDER BY contype DESC",
                [table],
            )
            for name, definition in cur.fetchall():
                cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                self.restore.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            cur.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary",
                [table],
            )
            for name, definition in cur.fetchall():
                cur.execute(f'DROP INDEX "{name}"')
                self.restore.insert(0, definition)  # indexes before the constraints that may use them
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None or not self.restore:
            return False
        t = time.perf_counter()
        for statement in self.restore:
            self.cur.execute(statement)
        self.out.write(f"  rebuilt {len(self.restore)} indexes and constraints in {time.perf_counter() - t:.1f}s")
        return False
