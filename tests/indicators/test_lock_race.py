# ruff: noqa: B023 — each trial joins its threads before the loop moves on, so closures see that trial's values.
"""The submission lock holds: approvals and writes of a quarter serialise on its submission row.

Two real transactions on two connections (threads), on PostgreSQL: SQLite has one
writer at a time and no SELECT … FOR UPDATE, so there is no race to test there.
"""

import threading
import time

import pytest
from django.db import connection, transaction

from indicators import workflow
from indicators.models import DataValue, Submission, SubmissionStatus
from indicators.services import ValueRow, VersionConflict, values_save
from organizations.models import OrgUnit
from reform_portal.tabular import RowsInvalid

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI runs these)"),
]

CODES = ["website_articles", "leaflets_issued", "legal_outreach_sessions", "online_service_training_classes", "online_dossiers"]


def rows(year, quarter, value):
    return [ValueRow("HT-443", code, year, quarter, value=value) for code in CODES]


def in_thread(fn, *args):
    """Run fn in its own thread and database connection; returns (thread, result dict)."""
    out = {}

    def run():
        try:
            out["value"] = fn(*args)
        except Exception as exc:  # noqa: BLE001 - the test inspects what was raised
            out["error"] = exc
        finally:
            connection.close()

    t = threading.Thread(target=run)
    t.start()
    return t, out


@pytest.fixture
def people(db):
    from django.contrib.auth import get_user_model

    from tests.conftest import reseed

    reseed()  # transactional tests start from an empty database
    users = get_user_model().objects
    return users.get(username="canloc"), users.get(username="reviewer"), OrgUnit.objects.get(code="HT-443")


def test_an_approval_waits_for_a_write_in_progress_20_times_of_20(people):
    clerk, reviewer, unit = people
    for trial in range(20):
        year = 2019 + trial // 4  # HT-443 (a district) is open until 30/06/2025
        quarter = trial % 4 + 1
        written = threading.Event()
        times = {}

        def write():
            with transaction.atomic():
                values_save(rows=rows(year, quarter, 100 + trial), by=clerk)
                written.set()
                time.sleep(0.15)  # a large write still in progress
            times["committed"] = time.monotonic()

        def submit_and_approve():
            written.wait(5)
            sub = workflow.submission_submit(org_unit=unit, year=year, quarter=quarter, by=clerk)
            workflow.submission_approve(submission=sub, by=reviewer)
            times["approved"] = time.monotonic()

        (tw, ow), (ta, oa) = in_thread(write), in_thread(submit_and_approve)
        tw.join(10)
        ta.join(10)
        assert "error" not in ow and "error" not in oa, (ow, oa)
        assert times["approved"] >= times["committed"], f"trial {trial}: approved before the write committed"
        sub = Submission.objects.get(org_unit=unit, year=year, quarter=quarter)
        assert sub.status == SubmissionStatus.APPROVED
        values = DataValue.objects.filter(org_unit=unit, year=year, quarter=quarter)
        assert values.count() == len(CODES) and all(v.updated_at <= sub.reviewed_at for v in values)


def test_a_write_after_a_submission_in_progress_is_refused_20_times_of_20(people):
    clerk, reviewer, unit = people
    for trial in range(20):
        year, quarter = 2019 + trial // 4, trial % 4 + 1
        values_save(rows=rows(year, quarter, 1), by=clerk)
        submitting = threading.Event()

        def submit():
            with transaction.atomic():
                workflow.submission_submit(org_unit=unit, year=year, quarter=quarter, by=clerk)
                submitting.set()
                time.sleep(0.1)

        def write():
            submitting.wait(5)
            return values_save(rows=rows(year, quarter, 999), by=clerk)

        (ts, os_), (tw, ow) = in_thread(submit), in_thread(write)
        ts.join(10)
        tw.join(10)
        assert "error" not in os_
        assert isinstance(ow.get("error"), RowsInvalid), f"trial {trial}: the write went through: {ow}"
        assert "đang chờ duyệt" in str(ow["error"].errors[0].message)
        assert set(DataValue.objects.filter(org_unit=unit, year=year, quarter=quarter).values_list("value", flat=True)) == {1}


def test_two_writers_creating_the_same_new_cell_get_one_save_and_one_conflict(people):
    clerk, _reviewer, unit = people
    for trial in range(10):
        year, quarter = 2019 + trial // 4, trial % 4 + 1
        start = threading.Barrier(2)

        def create(value):
            start.wait(5)
            return values_save(rows=[ValueRow("HT-443", "website_articles", year, quarter, value=value, version=0)], by=clerk)

        (t1, o1), (t2, o2) = in_thread(create, 11), in_thread(create, 22)
        t1.join(10)
        t2.join(10)
        outcomes = sorted(type(o.get("error")).__name__ if "error" in o else "saved" for o in (o1, o2))
        assert outcomes == ["VersionConflict", "saved"], (o1, o2)
        assert (
            DataValue.objects.filter(org_unit=unit, year=year, quarter=quarter, indicator__code="website_articles").count() == 1
        )


def test_two_api_writers_of_the_same_new_cell_get_200_and_409_never_500(people):
    from knox.models import AuthToken
    from rest_framework.test import APIClient

    clerk, _reviewer, _unit = people
    _instance, token = AuthToken.objects.create(user=clerk)
    for trial in range(6):
        year, quarter = 2019 + trial // 4, trial % 4 + 1
        start = threading.Barrier(2)

        def post(value):
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
            start.wait(5)
            body = [
                {
                    "org_unit": "HT-443",
                    "indicator": "website_articles",
                    "year": year,
                    "quarter": quarter,
                    "value": value,
                    "version": 0,
                }
            ]
            return client.post("/api/v1/values/", body, format="json").status_code

        (t1, o1), (t2, o2) = in_thread(post, 1), in_thread(post, 2)
        t1.join(10)
        t2.join(10)
        assert sorted([o1.get("value"), o2.get("value")]) == [200, 409], (o1, o2)


assert VersionConflict  # imported for the reader: the conflict the same-cell race ends in
