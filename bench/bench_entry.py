"""Data entry and review on the national data set: each page against its time budget.

Uses the lead's `generate_dataset` tree under VN (built by bench_dashboard's helper when
missing). Budgets: a unit's form (GET) 150 ms, saving every cell of it 400 ms, its Excel
download 300 ms, the entry list 100 ms, a province reviewer's page (completeness of
~110 units) 400 ms, a national reviewer's page 2 s. Each line prints measured vs budget.
"""

import io

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Max
from django.test import Client, override_settings

from indicators.entry import form_page
from indicators.forms import EntryForm
from indicators.models import DataValue, Submission
from indicators.periods import Period
from organizations.models import Membership, OrgUnit, Role

DISTRICT = "VN-P01-H01"
PROVINCE = "VN-P01"


def _user(username: str, code: str, role: str):
    user, _created = get_user_model().objects.get_or_create(username=username)
    Membership.objects.get_or_create(user=user, org_unit=OrgUnit.objects.get(code=code), role=role)
    return user


def _ok(response):
    assert response.status_code in (200, 302), response.status_code
    return response


def run(report, timeit):
    from bench.bench_dashboard import _ensure_dataset

    _ensure_dataset(io.StringIO())
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    with override_settings(STORAGES=storages):
        _run(report, timeit)


def _run(report, timeit):
    unit = OrgUnit.objects.get(code=DISTRICT)
    year = DataValue.objects.filter(org_unit=unit).aggregate(y=Max("year"))["y"]
    # The quarter must not be locked for the save to be measured: reopen it if the data set approved it.
    Submission.objects.filter(org_unit=unit, year=year, quarter=4).delete()
    url = f"/entry/{DISTRICT}/{year}/4/"

    clerk = Client()
    clerk.force_login(_user("bench-entry-clerk", DISTRICT, Role.CLERK))
    report("entry form of a district (GET)", timeit(lambda: _ok(clerk.get(url))), 0.15, target=1)
    report("entry form xlsx download", timeit(lambda: _ok(clerk.get(url + "xlsx/"))), 0.3, target=1)
    report("entry list of a clerk", timeit(lambda: _ok(clerk.get(f"/entry/?year={year}"))), 0.1, target=1)

    clerk_user = get_user_model().objects.get(username="bench-entry-clerk")

    def save_all():
        # Every note changes, alternately, so each save writes (and audits) every cell of the form.
        page = form_page(unit=unit, period=Period(year, 4), user=clerk_user)
        form = EntryForm(cells=page.cells)
        posted = {bf.html_name: ("" if bf.value() is None else str(bf.value())) for bf in form}
        for c in page.cells:
            posted[f"note-{c.code}"] = "" if c.current and c.current.note == "bench" else "bench"
        posted["action"] = "save"
        _ok(clerk.post(url, posted))

    report("save every cell of the form (POST, audited)", timeit(save_all, repeat=3), 0.4 + 0.15, target=1)

    reviewer = Client()
    reviewer.force_login(_user("bench-entry-reviewer", PROVINCE, Role.REVIEWER))
    page = f"/review/?year={year}&quarter=4"
    report("review page of a province (~110 units)", timeit(lambda: _ok(reviewer.get(page))), 0.4, target=1)
    national = Client()
    national.force_login(_user("bench-entry-national", "VN", Role.REVIEWER))
    report("review page of the whole country", timeit(lambda: _ok(national.get(page)), repeat=3), 2.0, target=1)
