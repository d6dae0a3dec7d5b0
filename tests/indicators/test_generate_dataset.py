"""generate_dataset builds a national tree whose past years are approved, so benchmarks read official figures.

The same checks run on SQLite (bulk_create in batches) and PostgreSQL (INSERT … SELECT).
"""

import io
import re

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Max, Min

from indicators.aggregation import Layer, Rollup
from indicators.management.commands import generate_dataset
from indicators.models import DataValue, Indicator, Submission, SubmissionStatus, TimeAggregation, ValueType
from organizations.models import DataVersion, OrgUnit, UnitKind


def generate(*args) -> str:
    out = io.StringIO()
    call_command("generate_dataset", "--root", "VNT", *args, stdout=out)
    return out.getvalue()


SMALL = ["--provinces", "2", "--districts-per-province", "2", "--communes-per-district", "2", "--years", "2020-2021"]


def generated_values():
    return DataValue.objects.filter(org_unit__path__startswith="/VNT/")


def test_a_small_national_data_set_has_approved_history_and_a_realistic_last_year(db):
    generate(*SMALL)
    units = OrgUnit.objects.filter(path__startswith="/VNT/").exclude(kind="country")
    assert units.filter(kind=UnitKind.PROVINCE).count() == 2
    assert units.filter(kind=UnitKind.COMMUNE).count() == 2 * 2 * 2
    assert Submission.objects.filter(org_unit__in=units, year=2020).exclude(status=SubmissionStatus.APPROVED).count() == 0
    assert Submission.objects.filter(org_unit__in=units, year=2020).count() == 4 * units.count()
    root = OrgUnit.objects.get(code="VNT")
    official, everything = Rollup(root=root, year=2020), Rollup(root=root, year=2020, layer=Layer.ALL)
    assert official.for_unit() == everything.for_unit()  # history: every value is official
    assert DataValue.objects.filter(org_unit__in=units, year=2021).exists()
    last = Submission.objects.filter(org_unit__in=units, year=2021)
    assert last.filter(status=SubmissionStatus.APPROVED).exists()
    assert last.exclude(status=SubmissionStatus.APPROVED).exists()  # a mix, not everything approved
    assert not last.filter(status=SubmissionStatus.DRAFT, submitted_at__isnull=False).exists()


def test_values_are_plausible_stocks_grow_rates_stay_in_range_ratios_hold(db):
    generate(*SMALL)
    values = generated_values()
    percent = values.filter(indicator__value_type=ValueType.PERCENT).aggregate(lo=Min("value"), hi=Max("value"))
    assert percent["lo"] >= 0 and percent["hi"] <= 100
    ratios = values.filter(indicator__value_type=ValueType.RATIO)
    assert ratios.exists() and not ratios.filter(numerator__gt=F("denominator")).exists()
    assert (
        not ratios.filter(value__isnull=False).exists()
        and not values.exclude(indicator__value_type=ValueType.RATIO).filter(value__isnull=True).exists()
    )
    stocks = values.filter(indicator__value_type=ValueType.COUNT, indicator__time_aggregation=TimeAggregation.LAST)
    series: dict[tuple, list] = {}
    for ind, unit, v in stocks.order_by("year", "quarter").values_list("indicator_id", "org_unit_id", "value"):
        series.setdefault((ind, unit), []).append(v)
    assert series and all(s == sorted(s) for s in series.values()), "a stock went down"
    assert any(s[-1] > s[0] for s in series.values()), "stocks never grew"
    flows = values.filter(indicator__value_type=ValueType.COUNT, indicator__time_aggregation=TimeAggregation.SUM)
    assert not flows.filter(value__lt=0).exists()
    per_series = flows.values("indicator_id", "org_unit_id").annotate(n=Count("value", distinct=True))
    assert max(r["n"] for r in per_series) > 1, "flows never varied"


def test_each_unit_reports_only_its_own_indicators(db):
    generate(*SMALL)
    for ind in Indicator.objects.filter(is_active=True):
        kinds = set(generated_values().filter(indicator=ind).values_list("org_unit__kind", flat=True))
        assert kinds <= set(ind.reported_by_kinds), ind.code
    health = generated_values().filter(indicator__code__startswith="health_")
    assert health.exists()
    assert set(health.values_list("org_unit__code", flat=True)) == {"VNT-P01-SYT", "VNT-P02-SYT"}  # the health department


def test_values_sizes_the_tree_to_about_that_many_values(db):
    out = generate("--values", "20000", "--years", "2020-2021")
    n = generated_values().count()
    assert abs(n - 20000) / 20000 < 0.25, n
    assert f"{n:,} values" in out  # the size it announces is the size it built
    out = generate("--values", "60000", "--years", "2020-2021", "--reset")
    bigger = generated_values().count()
    assert abs(bigger - 60000) / 60000 < 0.25 and bigger > n
    shape = re.search(r"(\d+) provinces × (\d+) districts × (\d+) communes", out)
    provinces, districts, communes = (int(x) for x in shape.groups())
    assert OrgUnit.objects.filter(path__startswith="/VNT/", kind=UnitKind.COMMUNE).count() == provinces * districts * communes


def test_reset_replaces_the_tree_and_refuses_a_second_build_without_it(db):
    generate(*SMALL)
    assert "exists already" in generate(*SMALL)
    generate(
        "--provinces", "1", "--districts-per-province", "1", "--communes-per-district", "1", "--years", "2020-2020", "--reset"
    )
    assert OrgUnit.objects.filter(path__startswith="/VNT/", kind=UnitKind.PROVINCE).count() == 1
    assert not generated_values().filter(year=2021).exists()
    assert OrgUnit.objects.filter(code="HT").exists()  # the demo province is untouched


def test_the_data_version_moves_after_the_build(db, django_capture_on_commit_callbacks):
    before = DataVersion.objects.filter(pk=1).values_list("number", flat=True).first() or 0
    with django_capture_on_commit_callbacks(execute=True):
        generate(*SMALL)
    assert DataVersion.objects.get(pk=1).number > before


def test_bad_sizes_are_refused_with_a_message(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--years"):
        generate("--years", "2025-2020")
    with pytest.raises(CommandError, match="--values"):
        generate("--values", "0")
    assert not OrgUnit.objects.filter(code="VNT").exists()


@pytest.mark.postgres
def test_a_large_build_rebuilds_the_indexes_and_constraints_it_dropped(db, monkeypatch):
    def definitions():
        with connection.cursor() as cur:
            cur.execute(
                "SELECT indexdef FROM pg_indexes WHERE tablename IN (%s, %s) ORDER BY 1",
                [DataValue._meta.db_table, Submission._meta.db_table],
            )
            indexes = [r[0] for r in cur.fetchall()]
            cur.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid IN (%s::regclass, %s::regclass) "
                "ORDER BY 1",
                [DataValue._meta.db_table, Submission._meta.db_table],
            )
            return indexes, cur.fetchall()

    before = definitions()
    monkeypatch.setattr(generate_dataset, "REBUILD_INDEXES_FROM", 0)
    out = generate(*SMALL)
    assert "rebuilt" in out
    assert definitions() == before
    one = generated_values().first()
    with pytest.raises(IntegrityError), transaction.atomic():  # one value per cell holds again
        DataValue.objects.create(
            indicator_id=one.indicator_id, org_unit_id=one.org_unit_id, year=one.year, quarter=one.quarter, value=1
        )
