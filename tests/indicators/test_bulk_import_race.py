# ruff: noqa: B023 — each trial joins its threads before the loop moves on, so closures see that trial's values.
"""The bulk import takes the quarters' submission locks: an approval racing an import waits for it, and the other way round.

Two real transactions on two connections (threads), on PostgreSQL, as tests/indicators/test_lock_race.py
does for values_save: the import is `values_import`, which on PostgreSQL is indicators.bulk_import.
"""

import threading
import time

import pytest
from django.db import connection, transaction

from indicators import workflow
from indicators.models import DataValue, Submission, SubmissionStatus, ValueChange
from indicators.services import values_import
from organizations.models import OrgUnit
from reform_portal.tabular import RowsInvalid
from tests.indicators.test_lock_race import CODES, in_thread

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI runs these)"),
]


def csv_of(year, quarter, value) -> bytes:
    lines = ["org_unit,indicator,year,quarter,value"] + [f"HT-443,{code},{year},{quarter},{value}" for code in CODES]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def people(db):
    from django.contrib.auth import get_user_model

    from tests.conftest import reseed

    reseed()  # transactional tests start from an empty database
    users = get_user_model().objects
    return users.get(username="canloc"), users.get(username="reviewer"), OrgUnit.objects.get(code="HT-443")


def test_an_approval_waits_for_an_import_in_progress_10_times_of_10(people):
    clerk, reviewer, unit = people
    for trial in range(10):
        year, quarter = 2019 + trial // 4, trial % 4 + 1
        # The quarter's submission exists already (a draft): only the import's row lock can make the approval wait.
        values_import(name="v.csv", data=csv_of(year, quarter, 1), by=clerk)
        imported = threading.Event()
        times = {}

        def load():
            with transaction.atomic():
                values_import(name="v.csv", data=csv_of(year, quarter, 100 + trial), by=clerk)
                imported.set()
                time.sleep(0.15)  # a large import still in progress
            times["committed"] = time.monotonic()

        def submit_and_approve():
            imported.wait(5)
            sub = workflow.submission_submit(org_unit=unit, year=year, quarter=quarter, by=clerk)
            workflow.submission_approve(submission=sub, by=reviewer)
            times["approved"] = time.monotonic()

        (ti, oi), (ta, oa) = in_thread(load), in_thread(submit_and_approve)
        ti.join(10)
        ta.join(10)
        assert "error" not in oi and "error" not in oa, (oi, oa)
        assert times["approved"] >= times["committed"], f"trial {trial}: approved before the import committed"
        sub = Submission.objects.get(org_unit=unit, year=year, quarter=quarter)
        assert sub.status == SubmissionStatus.APPROVED
        values = DataValue.objects.filter(org_unit=unit, year=year, quarter=quarter)
        assert sorted(values.values_list("value", flat=True)) == [100 + trial] * len(CODES)
        assert all(v.updated_at <= sub.reviewed_at for v in values)


def test_an_import_after_a_submission_in_progress_is_refused_and_saves_nothing_10_times_of_10(people):
    clerk, _reviewer, unit = people
    for trial in range(10):
        year, quarter = 2019 + trial // 4, trial % 4 + 1
        values_import(name="v.csv", data=csv_of(year, quarter, 1), by=clerk)
        submitting = threading.Event()

        def submit():
            with transaction.atomic():
                workflow.submission_submit(org_unit=unit, year=year, quarter=quarter, by=clerk)
                submitting.set()
                time.sleep(0.1)

        def load():
            submitting.wait(5)
            return values_import(name="v.csv", data=csv_of(year, quarter, 999), by=clerk)

        (ts, os_), (ti, oi) = in_thread(submit), in_thread(load)
        ts.join(10)
        ti.join(10)
        assert "error" not in os_
        assert isinstance(oi.get("error"), RowsInvalid), f"trial {trial}: the import went through: {oi}"
        assert "đang chờ duyệt" in str(oi["error"].errors[0].message)
        cells = DataValue.objects.filter(org_unit=unit, year=year, quarter=quarter)
        assert set(cells.values_list("value", flat=True)) == {1}
        assert ValueChange.objects.filter(org_unit=unit, year=year, quarter=quarter).count() == len(CODES)
