"""gunicorn's settings for Reform Portal (gunicorn reads ./gunicorn.conf.py by itself).

Override any of them on the command line, e.g. `gunicorn -w 4 reform_portal.wsgi`.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
timeout = 60
# gunicorn answers a longer request line with its own bare 414 before Django sees it; 8190 is its
# maximum. Django's URL_MAX_LENGTH (4000) answers shorter but still absurd URLs with the portal's page.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# A worker is replaced after this many requests, so memory a big request took is given back.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = 100

# The app is loaded once, in the master, which folds the leaders' landing dashboards before forking
# (reports/warm.py): every worker, and every one that replaces a worker after max_requests, starts
# with those figures kept instead of folding the nation's on its first request. GUNICORN_WARM=0: off.
warm = os.environ.get("GUNICORN_WARM", "1") != "0"
preload_app = warm


def when_ready(server):
    """In the master, after the app is loaded and before any worker is forked."""
    if not warm:
        return
    try:
        from reports.warm import warm as warm_figures

        server.log.info("warmed the dashboards of %s", ", ".join(warm_figures()) or "no unit")
    except Exception:  # a database not reachable yet must not keep the portal from starting
        server.log.exception("warming the dashboards failed; workers will fold on first use")
