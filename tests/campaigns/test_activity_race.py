"""An activity and the quarter's submission, written at the same moment from two real connections.

The activity writer takes the same Submission row lock as the workflow, so it waits for the submit to
commit and then sees the quarter frozen. PostgreSQL only: SQLite (the development default) has no row
locks, and CI runs the suite on PostgreSQL.
"""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from campaigns.models import Activity
from indicators import workflow
from indicators.models import Submission, SubmissionStatus
from organizations.models import OrgUnit
from reform_portal.tabular import RowsInvalid
from tests.campaigns.helpers import log, training

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (SELECT … FOR UPDATE)")


def test_an_activity_waits_for_a_submit_in_progress_and_is_refused(transactional_db):
    # transactional_db: real commits, so this runs with the other flushing tests at the end (tests/conftest.py).
    from django.contrib.auth import get_user_model

    from tests.conftest import reseed

    reseed()
    clerk_can_loc = get_user_model().objects.get(username="canloc")
    unit = OrgUnit.objects.get(code="HT-443")
    workflow.submission_for(org_unit=unit, year=2019, quarter=1)  # a draft, as soon as anything was saved
    submitting, outcome = threading.Event(), {}

    def submit():
        try:
            with transaction.atomic():
                workflow.submission_submit(org_unit=unit, year=2019, quarter=1, by=clerk_can_loc)
                submitting.set()
                time.sleep(0.8)  # the other writer arrives while this transaction holds the row
        finally:
            connections.close_all()

    def record():
        submitting.wait(5)
        started = time.monotonic()
        try:
            log(training(), by=clerk_can_loc)
            outcome["saved"] = True
        except RowsInvalid as exc:
            outcome["error"] = str(exc.errors[0])
        finally:
            outcome["waited"] = time.monotonic() - started
            connections.close_all()

    threads = [threading.Thread(target=submit), threading.Thread(target=record)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert "đã gửi duyệt nên nhật ký hoạt động của quý này bị khóa" in outcome.get("error", "")
    assert outcome["waited"] > 0.5
    assert Submission.objects.get(org_unit=unit, year=2019, quarter=1).status == SubmissionStatus.SUBMITTED
    assert not Activity.objects.filter(org_unit=unit, year=2019).exists()
