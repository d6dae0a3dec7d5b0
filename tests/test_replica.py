"""Reads through a real streaming replica (DATABASE_REPLICA_URL; `.ci/run` starts one with .ci/pg-replica).

Each test proves where a read went by pausing the replica's replay (`pg_wal_replay_pause()`): a
figure written after the pause is on the primary only, so a page that still shows the old figure
was served by the replica, and one that shows the new figure by the primary.
"""

import csv
import io
import json
import re
import time
from contextlib import contextmanager

import psycopg2
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.management import call_command
from django.db import connections, router
from django.test.utils import CaptureQueriesContext
from knox.models import AuthToken
from rest_framework.test import APIClient

import indicators
import organizations
from indicators.models import DataValue
from indicators.services import catalogue_load
from organizations import data_version
from organizations.models import Membership, OrgUnit, Role
from organizations.services import org_units_import
from reform_portal import db_router
from reform_portal.db_router import Pin
from reform_portal.read_your_writes import COOKIE, COOKIE_SALT
from reports.management.commands.seed_demo import UNIT_FILES, _csv, _package_data
from tests.indicators.builders import put

pytestmark = [
    pytest.mark.skipif(
        "replica" not in settings.DATABASES,
        reason="DATABASE_REPLICA_URL is not set: these tests need a streaming replica of DATABASE_URL (.ci/run starts one)",
    ),
    # Real commits, which the replica receives by streaming; the database is flushed afterwards (tests/conftest.py).
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
]

FIGURE = "/dashboard/figure/website_articles/?unit=HT-443&year=2019&quarter=2"
FIGURE_Q1 = FIGURE.replace("quarter=2", "quarter=1")
AGGREGATES = "/api/v1/aggregates/?indicator=website_articles&org_unit=HT-443&year=2019&quarter=2"


def one(alias: str, sql: str, params=()):
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def wait_for_replica(timeout: float = 10) -> None:
    """Until the replica has replayed everything the primary has committed so far."""
    target = one("default", "SELECT pg_current_wal_lsn()")
    deadline = time.monotonic() + timeout
    while not one("replica", "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]):
        assert time.monotonic() < deadline, "the replica did not catch up"
        time.sleep(0.02)


def on_replica_aside(sql: str, params=()):
    """On a connection of its own, which nothing a test does to the portal's connections can break."""
    d = connections["replica"].settings_dict
    conn = psycopg2.connect(host=d["HOST"], port=d["PORT"], user=d["USER"], password=d["PASSWORD"], dbname=d["NAME"])
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]
    finally:
        conn.close()


@contextmanager
def replay_paused():
    wait_for_replica()
    # CI's primary waits for the replica to apply each commit (.ci/pg-replica): not while replay is paused.
    with connections["default"].cursor() as cursor:
        cursor.execute("SET synchronous_commit = local")
    on_replica_aside("SELECT pg_wal_replay_pause()::text")
    deadline = time.monotonic() + 10
    while on_replica_aside("SELECT pg_get_wal_replay_pause_state()") != "paused":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    try:
        yield
    finally:
        on_replica_aside("SELECT pg_wal_replay_resume()::text")
        with connections["default"].cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def eventually(read, expected, timeout: float = 10):
    deadline = time.monotonic() + timeout
    while (got := read()) != expected:
        assert time.monotonic() < deadline, f"still {got!r}, expected {expected!r}"
        time.sleep(0.05)


@pytest.fixture
def world():
    """Ha Tinh's units, the catalogue and four people, committed (the flushing tests start from nothing)."""
    db_router.reset()
    rows = {r["code"]: r for name in UNIT_FILES for r in _csv(_package_data(organizations, name))}
    org_units_import(rows=list(rows.values()))
    catalogue_load(
        groups=_csv(_package_data(indicators, "groups.csv")), indicators=_csv(_package_data(indicators, "indicators.csv"))
    )
    people = {}
    for username, unit, role in [
        ("canloc", "HT-443", Role.CLERK),
        ("reviewer", "HT", Role.REVIEWER),
        ("leader", "HT", Role.LEADER),
    ]:
        user, _created = get_user_model().objects.get_or_create(username=username)
        Membership.objects.get_or_create(user=user, org_unit=OrgUnit.objects.get(code=unit), role=role)
        people[username] = user
    # Q1/2019 of Can Loc approved: 3 articles. The figure to the end of Q2 is 3 until Q2 is approved.
    put(("HT-443", "website_articles", 2019, 1, 3))
    wait_for_replica()
    yield people
    db_router.reset()


def browser(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="vi")
    client.force_login(user)
    return client


def token(user, **kwargs) -> APIClient:
    _instance, key = AuthToken.objects.create(user=user)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="vi", **kwargs)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def shown(client, url=FIGURE) -> str:
    r = client.get(url)
    assert r.status_code == 200
    return re.search(r'<p class="tile-figure">([^<\s]+)', r.content.decode()).group(1)


def api_figure(client) -> str:
    r = client.get(AGGREGATES)
    assert r.status_code == 200, r.content
    return r.json()["figures"]["website_articles"]["value"]


def quarters_in_csv(client) -> set[str]:
    r = client.get("/api/v1/values/csv/?org_unit=HT-443&year=2019&all=true")
    assert r.status_code == 200 and r.streaming
    rows = list(csv.DictReader(io.StringIO(b"".join(r.streaming_content).decode("utf-8-sig"))))
    return {row["quarter"] for row in rows if row["indicator"] == "website_articles"}


def approve_q2(clerk, reviewer_client, value=5):
    """The clerk pushes Q2 by API token and submits it; the reviewer approves it in their browser session."""
    row = {"org_unit": "HT-443", "indicator": "website_articles", "year": 2019, "quarter": 2, "value": value}
    assert clerk.post("/api/v1/values/", [row], format="json").status_code == 200
    sub = clerk.post("/api/v1/submissions/submit/", {"org_unit": "HT-443", "year": 2019, "quarter": 2}, format="json")
    assert sub.status_code == 200, sub.content
    r = reviewer_client.post(f"/api/v1/submissions/{sub.json()['id']}/approve/", {}, format="json")
    assert r.status_code == 200, r.content


def test_the_replica_is_a_streaming_standby_of_the_test_database():
    assert one("replica", "SELECT pg_is_in_recovery()") is True
    assert connections["replica"].settings_dict["NAME"] == connections["default"].settings_dict["NAME"]
    assert connections["replica"].settings_dict["PORT"] != connections["default"].settings_dict["PORT"]
    assert one("replica", "SELECT count(*) FROM pg_stat_wal_receiver") == 1
    assert not router.allow_migrate("replica", "indicators") and router.allow_migrate("default", "indicators")


def test_dashboard_and_api_read_the_replica_and_the_writer_sees_their_own_write(world):
    clerk, reviewer, leader = token(world["canloc"]), browser(world["reviewer"]), browser(world["leader"])
    assert shown(leader) == "3" and api_figure(leader) == "3"
    with replay_paused():
        approve_q2(clerk, reviewer)
        assert DataValue.objects.using("default").get(year=2019, quarter=2).value == 5
        assert not DataValue.objects.using("replica").filter(year=2019, quarter=2).exists()
        # The leader has not written: the dashboard and the API answer from the replica, still at 3 ...
        with CaptureQueriesContext(connections["replica"]) as on_replica:
            assert shown(leader) == "3"
            assert api_figure(leader) == "3"
        assert any("indicators_datavalue" in q["sql"] for q in on_replica.captured_queries)
        # ... while the reviewer, who approved, reads the primary: 3 + 5 at once (signed cookie of the session).
        assert COOKIE in reviewer.cookies
        assert shown(reviewer) == "8" and api_figure(reviewer) == "8"
        # A streamed CSV is read after the view returned, from the same database as the rest of the request.
        assert quarters_in_csv(leader) == {"1"} and quarters_in_csv(reviewer) == {"1", "2"}
        # A token client need not keep cookies: the pin is also cached under the user (their own values, at once).
        clerk.cookies.clear()
        r = clerk.get("/api/v1/values/?org_unit=HT-443&year=2019&quarter=2")
        assert [row["value"] for row in r.json()["results"]] == ["5"]
    # Replay resumed: the leader gets the new figure from the replica too.
    eventually(lambda: shown(leader), "8")
    assert api_figure(leader) == "8"


def test_logins_sessions_and_new_tokens_act_at_once_whatever_the_replica_has(world):
    leader = world["leader"]
    leader.set_password("mật-khẩu-thử")
    leader.save()
    with replay_paused():
        browser_ = APIClient()
        r = browser_.post("/accounts/login/", {"username": "leader", "password": "mật-khẩu-thử"})
        assert r.status_code == 302  # the password, the lockout counter and the session: all on the primary
        assert shown(browser_) == "3"
        assert api_figure(token(leader)) == "3"  # a token the replica has not received yet
        assert not AuthToken.objects.using("replica").filter(user=leader).exists()
        assert not get_user_model().objects.using("replica").get(username="leader").last_login


def test_a_pin_ends_once_the_replica_has_replayed_the_write(world):
    reviewer = browser(world["reviewer"])
    approve_q2(token(world["canloc"]), reviewer)
    wait_for_replica()
    with replay_paused():
        put(("HT-443", "website_articles", 2019, 1, 4))  # written outside any request: nobody is pinned to it
        # The reviewer's pin is older than what the replica has: back to the replica, which shows 3 + 5.
        assert shown(reviewer) == "8"
        assert DataValue.objects.using("default").get(year=2019, quarter=1).value == 4


def test_writes_in_a_request_never_go_to_the_replica(world):
    clerk, reviewer = token(world["canloc"]), browser(world["reviewer"])
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        approve_q2(clerk, reviewer, value=6)
        shown(browser(world["leader"]))
    statements = [q["sql"].lstrip().split()[0].upper() for q in on_replica.captured_queries]
    assert statements and set(statements) == {"SELECT"}  # the leader's page read there; nothing else ran there
    assert DataValue.objects.using("default").get(year=2019, quarter=2).value == 6


def test_reads_inside_a_transaction_go_to_the_primary(world):
    from django.db import transaction

    scope = db_router.ReadScope(user_key=lambda: None, pin_for_user=lambda: None)
    scope.eligible = True
    token_ = db_router.open_scope(scope)
    try:
        assert router.db_for_read(DataValue) == "replica"
        with transaction.atomic():
            assert router.db_for_read(DataValue) == "default"
            assert DataValue.objects.select_for_update().filter(year=2019).db == "default"
        assert router.db_for_write(DataValue) == "default"
        assert router.db_for_read(get_user_model()) == "default"  # logins, sessions, tokens: always the primary
    finally:
        db_router.close_scope(token_)


def test_a_replica_reader_gets_the_data_version_of_the_replicas_data(world):
    with replay_paused():
        before = data_version.current(using="replica")
        put(("HT-443", "website_articles", 2019, 1, 4))
        assert data_version.current(using="default").number > before.number
        scope = db_router.ReadScope(user_key=lambda: None, pin_for_user=lambda: None)
        scope.eligible = True
        token_ = db_router.open_scope(scope)
        try:
            # What a dashboard request reads: the version and the values it stands for, both from the replica.
            assert data_version.current() == before
            assert DataValue.objects.get(year=2019, quarter=1).value == 3
        finally:
            db_router.close_scope(token_)


def test_a_lagging_replica_is_skipped(world, settings):
    leader = browser(world["leader"])
    settings.REPLICA_MAX_LAG = 0.5
    with replay_paused():
        put(("HT-443", "website_articles", 2019, 1, 4))
        time.sleep(0.7)  # the replica has received the write and not replayed it for longer than the limit
        assert shown(leader, FIGURE_Q1) == "4"


def test_a_replica_that_is_down_is_not_a_500(world):
    leader = browser(world["leader"])
    replica = connections["replica"]
    port = replica.settings_dict["PORT"]
    replica.close()
    replica.settings_dict["PORT"] = "1"  # nothing listens there
    try:
        assert shown(leader) == "3" and api_figure(leader) == "3"
    finally:
        replica.close()
        replica.settings_dict["PORT"] = port
        db_router.reset()


def test_a_replica_that_dropped_the_kept_connection_is_reconnected(world):
    leader = browser(world["leader"])
    assert shown(leader) == "3"
    with replay_paused():
        put(("HT-443", "website_articles", 2019, 2, 1))
        pid = one("replica", "SELECT pg_backend_pid()")  # the portal's kept connection (this thread's)
        assert on_replica_aside("SELECT pg_terminate_backend(%s)", [pid])  # as a replica restart would do
        assert shown(leader) == "3"  # still the replica (the primary has 3 + 1), on a new connection


def test_a_replica_failing_mid_request_is_answered_from_the_primary(world):
    leader = browser(world["leader"])
    leader.raise_request_exception = False

    def die_after_the_probe(execute, sql, params, many, context):
        if "pg_is_in_recovery" not in sql:
            execute("SELECT pg_terminate_backend(pg_backend_pid())", None, False, context)
        return execute(sql, params, many, context)

    with connections["replica"].execute_wrapper(die_after_the_probe):
        r = leader.get(AGGREGATES)
    assert r.status_code == 200 and r.json()["figures"]["website_articles"]["value"] == "3"
    connections["replica"].close()


def test_without_a_wal_position_a_writer_is_pinned_by_time(world):
    """When the primary cannot say where a write is, the pin is only its signed age: primary while it lasts."""
    leader, pinned = browser(world["leader"]), browser(world["leader"])
    pinned.cookies[COOKIE] = signing.get_cookie_signer(salt=COOKIE + COOKIE_SALT).sign(str(Pin(None)))
    with replay_paused():
        put(("HT-443", "website_articles", 2019, 1, 4))
        assert shown(leader, FIGURE_Q1) == "3"  # the replica
        assert shown(pinned, FIGURE_Q1) == "4"  # the primary
    assert Pin.parse("") == Pin(None) and Pin.parse("123") == Pin(123) and Pin.parse("x1") is None
    assert Pin.later(Pin(5), None, Pin(9)) == Pin(9) and Pin.later(Pin(5), Pin(None)) == Pin(None)


def exported_figure(quarter: int) -> str:
    """`export_report` of Can Loc's 2019 to the end of `quarter`, as a script would run it: the articles figure."""
    out = io.StringIO()
    call_command("export_report", "2019", "--quarter", str(quarter), "--unit", "HT-443", "--format", "json", stdout=out)
    return json.loads(out.getvalue())["figures"]["website_articles"]["value"]


def test_export_report_reads_the_replica_once_it_holds_every_commit_before_the_run(world):
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        assert exported_figure(2) == "3"
    assert any("indicators_datavalue" in q["sql"] for q in on_replica.captured_queries)
    with replay_paused():
        approve_q2(token(world["canloc"]), browser(world["reviewer"]))
        # Committed before the run and not yet on the replica: the export reads the primary, and shows it.
        with CaptureQueriesContext(connections["replica"]) as on_replica:
            assert exported_figure(2) == "8"
        assert not any("indicators_datavalue" in q["sql"] for q in on_replica.captured_queries)
    wait_for_replica()
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        assert exported_figure(1) == "3"
    assert any("indicators_datavalue" in q["sql"] for q in on_replica.captured_queries)


def test_export_report_whose_replica_fails_mid_run_is_written_from_the_primary(world):
    def die_after_the_probe(execute, sql, params, many, context):
        if "pg_is_in_recovery" not in sql:
            execute("SELECT pg_terminate_backend(pg_backend_pid())", None, False, context)
        return execute(sql, params, many, context)

    try:
        with connections["replica"].execute_wrapper(die_after_the_probe):
            assert exported_figure(2) == "3"
    finally:
        connections["replica"].close()
        db_router.reset()
