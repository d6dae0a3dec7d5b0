"""generate_dataset builds a national tree whose past years are approved, so benchmarks read official figures."""

import io

from django.core.management import call_command

from indicators.aggregation import Layer, Rollup
from indicators.models import DataValue, Submission, SubmissionStatus
from organizations.models import OrgUnit


def test_a_small_national_data_set_has_approved_history_and_a_realistic_last_year(db):
    call_command(
        "generate_dataset", "--root", "VNT", "--provinces", "2", "--districts-per-province", "2",
        "--communes-per-district", "2", "--years", "2020-2021", stdout=io.StringIO(),
    )  # fmt: skip
    units = OrgUnit.objects.filter(path__startswith="/VNT/").exclude(kind="country")
    assert Submission.objects.filter(org_unit__in=units, year=2020).exclude(status=SubmissionStatus.APPROVED).count() == 0
    assert Submission.objects.filter(org_unit__in=units, year=2020).count() == 4 * units.count()
    root = OrgUnit.objects.get(code="VNT")
    official, everything = Rollup(root=root, year=2020), Rollup(root=root, year=2020, layer=Layer.ALL)
    assert official.for_unit() == everything.for_unit()  # history: every value is official
    assert DataValue.objects.filter(org_unit__in=units, year=2021).exists()
    last = Submission.objects.filter(org_unit__in=units, year=2021)
    assert last.filter(status=SubmissionStatus.APPROVED).exists()
