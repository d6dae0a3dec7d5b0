"""A synthetic national data set for benchmarks: 34 provinces, ~3,400 communes, 10 years (past years approved).

Values are plausible, not real: flows vary around a unit's own level, stocks
grow, rates stay in 0–100, ratios keep numerator ≤ denominator. They go straight
to the table (COPY on PostgreSQL, bulk_create elsewhere) — generating a million
rows through the audited service would measure the audit, not the reads.
"""

import io
import random
import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from indicators.models import DataValue, Indicator, Submission, SubmissionStatus, TimeAggregation, ValueChange, ValueType
from organizations.data_version import data_changed
from organizations.models import Membership, OrgUnit, UnitKind
from organizations.services import tree_rebuild_paths

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


class Command(BaseCommand):
    help = "Build a synthetic national tree under root VN with quarterly values (for make bench)."

    def add_arguments(self, parser):
        parser.add_argument("--root", default="VN")
        parser.add_argument("--provinces", type=int, default=34)
        parser.add_argument("--districts-per-province", type=int, default=10)
        parser.add_argument("--communes-per-district", type=int, default=10)
        parser.add_argument("--years", default="2016-2025", help="FIRST-LAST")
        parser.add_argument("--reset", action="store_true", help="Delete the root's subtree and its data first.")
        parser.add_argument("--seed", type=int, default=2018)

    def handle(self, *args, root, provinces, districts_per_province, communes_per_district, years, reset, seed, **opts):
        try:
            first, last = (int(y) for y in years.split("-"))
        except ValueError:
            raise CommandError("--years must look like 2016-2025")
        if reset:
            self._delete(root)
        elif OrgUnit.objects.filter(code=root).exists():
            self.stdout.write(f"{root} exists already; use --reset to rebuild it.")
            return
        rng = random.Random(seed)
        t = time.perf_counter()
        with transaction.atomic():
            units = self._tree(root, provinces, districts_per_province, communes_per_district)
        self.stdout.write(f"{len(units)} units in {time.perf_counter() - t:.1f}s")
        t = time.perf_counter()
        n = self._values(units, range(first, last + 1), rng)
        self.stdout.write(f"{n} values in {time.perf_counter() - t:.1f}s")
        h = self._approved_history(units, range(first, last))
        s = self._submissions(units, last, rng)
        self.stdout.write(f"{h} approved submissions for {first}–{last - 1}, {s} submissions for {last}")

    def _delete(self, root):
        prefix = f"/{root}/"
        with transaction.atomic():
            for model in (DataValue, ValueChange, Submission, Membership):
                model.objects.filter(org_unit__path__startswith=prefix).delete()
            OrgUnit.objects.filter(path__startswith=prefix).update(parent=None)
            OrgUnit.objects.filter(path__startswith=prefix).delete()

    def _tree(self, root, provinces, districts, communes) -> list[OrgUnit]:
        since = date(1990, 1, 1)
        country = OrgUnit.objects.create(
            code=root,
            name_vi="Toàn quốc (dữ liệu mô phỏng)",
            name_en="Country (synthetic)",
            kind=UnitKind.COUNTRY,
            path=f"/{root}/",
            valid_from=since,
        )
        for p in range(1, provinces + 1):
            pc = f"{root}-P{p:02d}"
            province = OrgUnit.objects.create(
                code=pc, name_vi=f"Tỉnh mô phỏng {p:02d}", kind=UnitKind.PROVINCE, parent=country, path="", valid_from=since
            )
            children = [OrgUnit(code=f"{pc}-{d}", name_vi=f"Sở {d} tỉnh {p:02d}", kind=UnitKind.DEPARTMENT) for d in DEPARTMENTS]
            children += [
                OrgUnit(code=f"{pc}-CT{i}", name_vi=f"Cơ quan Trung ương {i} tỉnh {p:02d}", kind=UnitKind.CENTRAL_AGENCY)
                for i in (1, 2)
            ]
            children += [
                OrgUnit(code=f"{pc}-DAI", name_vi=f"Đài PT-TH tỉnh {p:02d}", kind=UnitKind.PRESS),
                OrgUnit(code=f"{pc}-BAO", name_vi=f"Báo tỉnh {p:02d}", kind=UnitKind.PRESS),
            ]
            children += [
                OrgUnit(code=f"{pc}-H{d:02d}", name_vi=f"Huyện {d:02d} tỉnh {p:02d}", kind=UnitKind.DISTRICT)
                for d in range(1, districts + 1)
            ]
            for c in children:
                c.parent, c.valid_from, c.path = province, since, ""
            OrgUnit.objects.bulk_create(children)
            communes_of = []
            for c in children:
                if c.kind == UnitKind.DISTRICT:
                    communes_of += [
                        OrgUnit(
                            code=f"{c.code}-X{x:02d}",
                            name_vi=f"Xã {x:02d} {c.name_vi}",
                            kind=UnitKind.COMMUNE,
                            parent=c,
                            valid_from=since,
                            path="",
                        )
                        for x in range(1, communes + 1)
                    ]
            OrgUnit.objects.bulk_create(communes_of)
        tree_rebuild_paths()
        return list(OrgUnit.objects.subtree_of(country))

    def _reports(self, unit: OrgUnit, ind: Indicator) -> bool:
        if not ind.is_reported_by(unit.kind):
            return False
        if unit.kind != UnitKind.DEPARTMENT:
            return True
        dept = unit.code.rsplit("-", 1)[-1]
        for needle, owners in SPECIALISTS.items():
            if needle in ind.code or needle == ind.group.code:
                return dept in owners
        return True

    def _values(self, units, years, rng) -> int:
        indicators = list(Indicator.objects.active().select_related("group"))
        now = timezone.now()
        rows = []
        for unit in units:
            for ind in indicators:
                if not self._reports(unit, ind):
                    continue
                level = rng.randint(5, 200)
                den = rng.randint(5, 40)
                for year in years:
                    for q in (1, 2, 3, 4):
                        if ind.value_type == ValueType.RATIO:
                            rows.append((ind.pk, unit.pk, year, q, None, rng.randint(den // 2, den), den))
                        elif ind.value_type == ValueType.PERCENT:
                            rows.append((ind.pk, unit.pk, year, q, round(rng.uniform(40, 100), 2), None, None))
                        elif ind.time_aggregation == TimeAggregation.LAST:
                            level += rng.randint(0, 5)
                            rows.append((ind.pk, unit.pk, year, q, level, None, None))
                        else:
                            rows.append((ind.pk, unit.pk, year, q, max(0, int(rng.gauss(level, level / 4))), None, None))
        if connection.vendor == "postgresql":
            self._copy(rows, now)
        else:
            for i in range(0, len(rows), 5000):
                DataValue.objects.bulk_create(
                    [
                        DataValue(indicator_id=a, org_unit_id=b, year=y, quarter=q, value=v, numerator=n, denominator=d)
                        for a, b, y, q, v, n, d in rows[i : i + 5000]
                    ]
                )
        return len(rows)

    def _copy(self, rows, now):
        def cell(v):
            return "\\N" if v is None else str(v)

        buf = io.StringIO()
        stamp = now.isoformat()
        for a, b, y, q, v, n, d in rows:
            buf.write(f"{a}\t{b}\t{y}\t{q}\t{cell(v)}\t{cell(n)}\t{cell(d)}\t\t1\t{stamp}\n")
        buf.seek(0)
        with connection.cursor() as cur:
            cur.cursor.copy_expert(
                f"COPY {DataValue._meta.db_table} (indicator_id, org_unit_id, year, quarter, value, numerator, denominator, note, version, updated_at) FROM STDIN",
                buf,
            )
        data_changed()  # COPY sends no model signal
        with connection.cursor() as cur:
            cur.execute(f"ANALYZE {DataValue._meta.db_table}")
            cur.execute(f"ANALYZE {OrgUnit._meta.db_table}")  # the path LIKE plans need fresh statistics too

    def _approved_history(self, units, years) -> int:
        """Past years are history: every unit-quarter approved, so the official layer holds all their values."""
        now = timezone.now()
        subs = [
            Submission(org_unit=u, year=y, quarter=q, status=SubmissionStatus.APPROVED, submitted_at=now, reviewed_at=now)
            for u in units
            if u.kind != UnitKind.COUNTRY
            for y in years
            for q in (1, 2, 3, 4)
        ]
        Submission.objects.bulk_create(subs, batch_size=5000)
        return len(subs)

    def _submissions(self, units, year, rng) -> int:
        """The last year's submissions: most approved, some late, some missing, as in real life."""
        now = timezone.now()
        subs = []
        for unit in units:
            if unit.kind == UnitKind.COUNTRY:
                continue
            for q in (1, 2, 3, 4):
                roll = rng.random()
                if roll < 0.08:
                    continue  # not started
                status = (
                    SubmissionStatus.APPROVED
                    if roll < 0.8
                    else SubmissionStatus.SUBMITTED
                    if roll < 0.92
                    else SubmissionStatus.DRAFT
                )
                subs.append(
                    Submission(
                        org_unit=unit,
                        year=year,
                        quarter=q,
                        status=status,
                        submitted_at=None if status == SubmissionStatus.DRAFT else now,
                    )
                )
        Submission.objects.bulk_create(subs, batch_size=2000)
        return len(subs)
