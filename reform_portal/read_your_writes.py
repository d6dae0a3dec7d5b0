"""Which requests read the replica, and read-your-writes for the user who just wrote.

Every request gets a read scope (`db_router.ReadScope`). A GET or HEAD of a view in the namespaces
below may read the replica; anything else reads the primary. Whatever the method, a request that
executes a write statement on the primary reads the primary from then on, and at its end its user is
*pinned*: the primary's WAL position after the write goes into a signed cookie (browsers) and the
cache under the user's id (API token clients, which keep no cookies; with several app servers the
cache must be shared, `CACHE_URL`). Later reads of that user go to the primary until the replica has
replayed past that position; a pin lasts `REPLICA_MAX_LAG` seconds, after which a replica that is
still behind it is too far behind to be read at all.

A GET whose replica read fails (the replica died mid-request) is answered again from the primary,
and the replica is left alone for a few seconds: a replica down or lagging is never a 500.

A command that only reads (`export_report`) runs in a scope of its own, `command_reads()`: it is pinned
at the primary's position when it starts, so the replica serves it only once it holds everything
committed before the command began (an import followed by an export shows the import).
"""

import math

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import MiddlewareNotUsed
from django.db import DatabaseError, connections

from reform_portal import db_router
from reform_portal.db_router import PRIMARY, REPLICA, Pin

# Dashboard (reports:home), figure pages, annual reports and their downloads; the whole read API.
READ_NAMESPACES = frozenset({"reports", "api"})
COOKIE = "replica_pin"
COOKIE_SALT = "reform_portal.read_your_writes"
# Statements that write nothing (a SELECT … FOR UPDATE runs in a transaction, which reads the primary anyway).
_READS = ("SELECT", "SAVEPOINT", "RELEASE", "ROLLBACK", "SET ", "SHOW")


def _user_key(request):
    user = getattr(request, "user", None)
    return user.pk if user is not None and user.is_authenticated else None


def _cache_key(user_key) -> str:
    return f"replica-pin:{user_key}"


def pin_of(request) -> Pin | None:
    """The later of the request's cookie pin and its user's cached pin."""
    cookie = request.get_signed_cookie(COOKIE, default=None, salt=COOKIE_SALT, max_age=settings.REPLICA_MAX_LAG)
    pins = [Pin.parse(cookie) if cookie is not None else None]
    key = _user_key(request)
    if key is not None:
        cached = cache.get(_cache_key(key))
        pins.append(Pin.parse(cached) if cached is not None else None)
    return Pin.later(*pins)


def _watch_writes(scope):
    def execute(run, sql, params, many, context):
        if not scope.wrote and not (isinstance(sql, str) and sql.lstrip()[:9].upper().startswith(_READS)):
            scope.wrote = True
        return run(sql, params, many, context)

    return execute


def _stream_in_scope(scope, chunks):
    """A streamed body is read after the middleware returned: its queries run in the request's scope too."""
    iterator = iter(chunks)
    while True:
        token = db_router.open_scope(scope)
        try:
            chunk = next(iterator)
        except StopIteration:
            return
        finally:
            db_router.close_scope(token)
        yield chunk


def command_reads(run):
    """`run()` with its reads on the replica when it holds everything committed so far; else on the primary.

    No replica: just `run()`. A write in it sends its later reads to the primary, as in a request. A replica
    read that fails (the replica died, or is not a copy of this database) runs it again on the primary,
    and the replica is left alone for a few seconds, as for a request.
    """
    if not db_router.enabled():
        return run()
    pin = db_router.primary_position()
    scope = db_router.ReadScope(user_key=lambda: None, pin_for_user=lambda: pin)
    scope.eligible = True
    token = db_router.open_scope(scope)
    try:
        with connections[PRIMARY].execute_wrapper(_watch_writes(scope)):
            return run()
    except DatabaseError:
        if not scope.used_replica() or scope.wrote:
            raise
        db_router.mark_down("a query failed during a command")
    finally:
        db_router.close_scope(token)
    return run()


class ReadYourWritesMiddleware:
    def __init__(self, get_response):
        if not db_router.enabled():
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        scope = db_router.ReadScope(user_key=lambda: _user_key(request), pin_for_user=lambda: pin_of(request))
        request.replica_scope = scope
        token = db_router.open_scope(scope)
        try:
            with connections[PRIMARY].execute_wrapper(_watch_writes(scope)):
                response = self.get_response(request)
                if (
                    response.status_code >= 500
                    and scope.used_replica()
                    and not scope.wrote
                    and connections[REPLICA].errors_occurred
                ):
                    db_router.mark_down("a query failed during a request")
                    scope.forced_primary = True
                    response = self.get_response(request)
        finally:
            db_router.close_scope(token)
        if response.streaming and scope.eligible and not scope.wrote:
            response.streaming_content = _stream_in_scope(scope, response.streaming_content)
        if scope.wrote and not connections[PRIMARY].in_atomic_block:
            # Committed (an open transaction here is a test's, whose writes no replica will see before it ends).
            self._pin(request, response, db_router.primary_position())
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method in ("GET", "HEAD") and request.resolver_match.namespace in READ_NAMESPACES:
            request.replica_scope.eligible = True

    def _pin(self, request, response, pin: Pin) -> None:
        seconds = settings.REPLICA_MAX_LAG
        response.set_signed_cookie(
            COOKIE,
            str(pin),
            salt=COOKIE_SALT,
            max_age=math.ceil(seconds),
            httponly=True,
            secure=settings.SESSION_COOKIE_SECURE,
            samesite="Lax",
        )
        key = _user_key(request)
        if key is not None:
            cache.set(_cache_key(key), str(pin), timeout=seconds)
