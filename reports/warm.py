"""What an app server folds before it takes requests: the leaders' landing dashboards.

A worker keeps the figures it folds (indicators.figure_cache), but starts with none:
its first national dashboard folds every value of two years (seconds at 10 M values).
gunicorn.conf.py calls `warm()` in the master process before it forks, so every worker,
and every worker that replaces one after `max_requests`, starts with these figures kept
and only brings them up to date from the change log on its first request. The master itself
starts from the folds an earlier process saved (`indicators.figure_snapshots`) where it can.
"""

import gc
import logging
import time

from django.db import connections

from indicators import figure_snapshots
from indicators.aggregation import Layer
from organizations.models import OrgUnit
from reports import dashboard

log = logging.getLogger(__name__)


def warm() -> list[str]:
    """Fold the default dashboard of each top unit (what a leader of it lands on); the units' codes, warmed.

    Leaves no database connection open: a process about to fork must not share one with its children.
    """
    warmed = []
    try:
        span = dashboard.data_years()
        period = dashboard.default_period(span)
        for unit in OrgUnit.objects.filter(parent__isnull=True).order_by("code"):
            t = time.perf_counter()
            dashboard.dashboard(unit=unit, year=period.year, quarter=period.quarter, layer=Layer.OFFICIAL)
            log.info("warmed the dashboard of %s for %s in %.1f s", unit.code, period.label, time.perf_counter() - t)
            warmed.append(unit.code)
        figure_snapshots.flush()  # here, once: saves left queued would be inherited, and made, by every worker
    finally:
        connections.close_all()
        # The usual step before fork: what the master keeps is frozen out of the collector's walks, so the
        # workers' collections neither spend time on it nor write to (and so copy) the pages they share.
        gc.collect()
        gc.freeze()
    return warmed
