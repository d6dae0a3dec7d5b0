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
