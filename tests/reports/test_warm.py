"""An app server folds the leaders' landing dashboards before its workers fork, so their first page folds nothing."""

import gc
import logging
import re
import runpy
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from indicators import figure_cache, figure_snapshots
from indicators.models import DataValue, FoldSnapshot
from reports.warm import warm
from tests.conftest import reseed

pytestmark = pytest.mark.django_db(transaction=True)  # committed data: what a fresh worker finds

GUNICORN_CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def folds(ctx) -> bool:
    """Whether a request pivoted values into quarters (indicators.fold_sql): a fold, or a refresh of one."""
    table = DataValue._meta.db_table
    return any(table in q["sql"] and "GROUP BY" in q["sql"] for q in ctx.captured_queries)


def leader_page(client: Client) -> str:
    """The leader's landing page, less what differs on every response (the CSRF token, CSP nonces)."""
    r = client.get("/")
    assert r.status_code == 200
    return re.sub(r'(csrfmiddlewaretoken" value|nonce)="[^"]*"', r'\1=""', r.content.decode())


@pytest.fixture
def leader_client():
    reseed()
    figure_cache.clear()  # a fresh process
    client = Client()
    client.force_login(get_user_model().objects.get(username="leader"))
    return client


@pytest.fixture(autouse=True)
def unfrozen():
    """warm() freezes the process's heap before a fork: give this test process's back to the collector."""
    yield
    gc.unfreeze()


def test_after_warming_a_leaders_first_dashboard_folds_nothing_and_shows_the_same_figures(leader_client):
    assert warm() == ["HT"]
    assert gc.get_freeze_count() > 0  # what the master keeps, out of the workers' collections
    # Nothing left open to share with forked workers (an in-memory SQLite test database cannot be closed).
    still_open = [c.alias for c in connections.all() if c.connection is not None]
    assert still_open == [] or connections["default"].vendor == "sqlite"
    with CaptureQueriesContext(connections["default"]) as ctx:
        warmed = leader_page(leader_client)
    assert not folds(ctx), [q["sql"][:120] for q in ctx.captured_queries]
    figure_cache.clear()
    with CaptureQueriesContext(connections["default"]) as ctx:
        assert leader_page(leader_client) == warmed  # folded afresh: the same page
    assert folds(ctx)


def test_gunicorn_warms_in_the_master_before_forking_unless_turned_off(leader_client, monkeypatch, caplog):
    conf = runpy.run_path(str(GUNICORN_CONF))
    assert conf["preload_app"] is True

    class Server:
        log = logging.getLogger("gunicorn.error")

    with caplog.at_level(logging.INFO, logger="gunicorn.error"):
        conf["when_ready"](Server())
    assert "warmed the dashboards of HT" in caplog.text
    with CaptureQueriesContext(connections["default"]) as ctx:
        leader_page(leader_client)
    assert not folds(ctx)

    monkeypatch.setenv("GUNICORN_WARM", "0")
    off = runpy.run_path(str(GUNICORN_CONF))
    assert off["preload_app"] is False
    figure_cache.clear()
    off["when_ready"](Server())
    with CaptureQueriesContext(connections["default"]) as ctx:
        leader_page(leader_client)
    assert folds(ctx)


def test_a_database_not_reachable_at_start_is_logged_and_the_server_starts(leader_client, monkeypatch, caplog):
    conf = runpy.run_path(str(GUNICORN_CONF))

    def unreachable():
        raise ConnectionError("could not connect to server")

    monkeypatch.setattr("reports.warm.warm", unreachable)

    class Server:
        log = logging.getLogger("gunicorn.error")

    with caplog.at_level(logging.INFO, logger="gunicorn.error"):
        conf["when_ready"](Server())  # does not raise
    assert "warming the dashboards failed" in caplog.text


def test_the_master_saves_its_national_folds_itself_so_no_forked_worker_pickles_them_again(leader_client, settings):
    settings.FIGURE_SNAPSHOT_FROM = 1  # the province's folds stand for the nation's
    assert warm() == ["HT"]
    assert not figure_snapshots._pending  # nothing queued for the workers to inherit and each save again
    assert FoldSnapshot.objects.exists()
    figure_cache.clear()  # a master started later, after a deploy: it starts from what this one saved
    used = figure_cache.snapshots_used
    assert warm() == ["HT"]
    assert figure_cache.snapshots_used > used
