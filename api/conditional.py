"""Conditional reads of figure documents: ETag and Last-Modified without aggregating when nothing changed.

The ETag is a digest of the document itself, so it only changes when the figures
do (a draft leaves the official figures' ETag alone). What makes it cheap is
the data version (`organizations.data_version`): the digest and the document
computed under a version are kept in the cache (shared by every worker when
CACHE_URL names a shared cache), so while the version stands a request is
answered — 304 or 200 — without folding a single value.
"""

import hashlib
import json
from email.utils import format_datetime, parsedate_to_datetime

from django.core.cache import cache
from django.utils import timezone
from rest_framework import status
from rest_framework.response import Response

from organizations import data_version

# Long enough to outlive a quiet afternoon; a new version makes the old entries unreachable anyway.
DOCUMENT_TIMEOUT = 6 * 3600


def _digest(doc: dict) -> str:
    return '"' + hashlib.sha256(json.dumps(doc, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:32] + '"'


def _matches(request, etag: str) -> bool:
    wanted = [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]
    return etag in wanted or "*" in wanted


def _dated(version, read_at) -> bool:
    """Whether the version may be named by its Last-Modified date: only once its second had passed when it was read.

    HTTP dates have whole seconds. A later change within the same second would carry the same date, and a
    client's If-Modified-Since would get a 304 for figures it has never seen. A change committed after the
    read falls in a later second than a dated version's, so its date is always newer.
    """
    return version.changed_at.replace(microsecond=0) < read_at.replace(microsecond=0)


def _not_modified_since(request, version) -> bool:
    """If-Modified-Since at or after the data's last change (only when the client sent no ETag)."""
    since = request.headers.get("If-Modified-Since")
    if not since or request.headers.get("If-None-Match"):
        return False
    try:
        return version.changed_at.replace(microsecond=0) <= parsedate_to_datetime(since)
    except (TypeError, ValueError, IndexError):
        return False  # a malformed date is ignored, as RFC 9110 says


def document_response(request, parts: tuple, build) -> Response:
    """The document `build()` makes for `parts` (what identifies it: view, unit, query), conditionally."""
    with data_version.one_version():  # the request's version (or one of its own): the build reuses it
        return _document_response(request, parts, build)


def _document_response(request, parts: tuple, build) -> Response:
    before = timezone.now()
    version, _epoch, token = data_version.state()
    # Dates must be taken before the version was read (see _dated): when this scope read it, maybe earlier.
    read_at = data_version.read_at() or before
    # Last-Modified, and If-Modified-Since answered from it, only for a version whose second is over.
    dated = version if version is not None and _dated(version, read_at) else None
    key = None
    if token is None:  # committed data: the same for every worker and every reader allowed to see it
        # The whole version, not its number alone: a database restored from a backup counts its numbers again.
        key = "figures-document:" + hashlib.sha256(repr((tuple(version), parts)).encode()).hexdigest()
        if dated is not None and _not_modified_since(request, dated):
            return _headers(Response(status=status.HTTP_304_NOT_MODIFIED), None, dated)
        kept = cache.get(key)
    else:
        kept = None
    if kept is None:
        doc = build()
        etag = _digest(doc)
        if key is not None:
            cache.set(key, (etag, doc), DOCUMENT_TIMEOUT)
    else:
        etag, doc = kept
    response = Response(status=status.HTTP_304_NOT_MODIFIED) if _matches(request, etag) else Response(doc)
    return _headers(response, etag, dated)


def _headers(response: Response, etag: str | None, version) -> Response:
    if etag:
        response["ETag"] = etag
    if version is not None:
        response["Last-Modified"] = format_datetime(version.changed_at.replace(microsecond=0), usegmt=True)
    response["Cache-Control"] = "private, no-cache"
    return response
