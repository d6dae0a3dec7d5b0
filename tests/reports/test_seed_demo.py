import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

import indicators
from indicators.models import DataValue, Submission, SubmissionStatus
from tests.conftest import seed

CATALOGUE = Path(indicators.__file__).parent / "data" / "indicators.csv"


def seed_2018_expectations():
    with open(CATALOGUE, encoding="utf-8") as f:
        return [(r["code"], r["seed_2018"]) for r in csv.DictReader(f)]


def matches(expected: str, figure: dict) -> bool:
    """The seed's way of writing a figure: 2213, 85.93%, 221/262, or 100% of a ratio."""
    if "/" in expected:
        num, den = expected.split("/")
        return (figure["numerator"], figure["denominator"]) == (int(num), int(den))
    if expected.endswith("%") and figure["numerator"] is not None:
        return Decimal(figure["numerator"]) * 100 / figure["denominator"] == Decimal(expected[:-1])
    return figure["value"] is not None and Decimal(figure["value"]) == Decimal(expected.rstrip("%"))


def test_export_report_json_gives_every_figure_of_the_2018_report(db, tmp_path):
    out = tmp_path / "r.json"
    call_command("export_report", "2018", "--format", "json", "-o", str(out), stderr=io.StringIO())

    doc = json.loads(out.read_text(encoding="utf-8"))
    assert (doc["year"], doc["quarter"], doc["org_unit"]) == (2018, 4, "HT")
    expected = seed_2018_expectations()
    assert len(expected) == 41
    wrong = [(code, want, doc["figures"][code]) for code, want in expected if not matches(want, doc["figures"][code])]
    assert wrong == []
    assert doc["figures"]["level3_services_province_district"]["display"] == "2.213"
    assert doc["figures"]["health_record_exam_rate"]["display"] == "85,93%"
    assert doc["figures"]["commune_websites"]["display"] == "221/262"


def test_seed_demo_is_idempotent(db):
    from reports.management.commands.seed_demo import DEMO_VALUES

    with open(DEMO_VALUES, encoding="utf-8") as f:
        demo_rows = sum(1 for _ in csv.DictReader(f))
    before = (DataValue.objects.count(), Submission.objects.count())
    seed()
    assert (DataValue.objects.count(), Submission.objects.count()) == before
    assert DataValue.objects.filter(year=2018).count() == demo_rows


def test_demo_2018_quarters_are_approved(db):
    assert not Submission.objects.filter(year=2018).exclude(status=SubmissionStatus.APPROVED).exists()
    assert Submission.objects.filter(year=2018, org_unit__code="HT-443").count() == 4


@pytest.mark.parametrize("username", ["admin", "reviewer", "leader", "canloc", "stttt"])
def test_demo_users_can_log_in(client, db, username):
    from tests.conftest import DEMO_PASSWORD

    r = client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 302
    assert client.session["_auth_user_id"]


def test_demo_2018_reports_went_in_on_time(db, province):
    from indicators.completeness import completeness

    c = completeness(root=province, year=2018, quarter=3)
    assert c.expected == len(c.reported) == len(c.on_time) > 30
    assert c.late == [] and c.missing == []
