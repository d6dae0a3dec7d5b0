"""Reads from a streaming replica, everything else on the primary (active when DATABASE_REPLICA_URL is set).

The replica (alias "replica") serves the portal's data (the models of organizations, indicators,
campaigns and reports) to a request that `read_your_writes.ReadYourWritesMiddleware` opened as a
*read scope* (a GET or HEAD of the dashboard, the reports or the API), and only once the scope has
found the replica fit for it: reachable, streaming from the primary, at most `REPLICA_MAX_LAG` seconds
behind, and past this user's last write (the pin, see `Pin`).

Everything else reads the primary:
- writes, and any read after the request has written something;
- any read while the primary connection is inside a transaction (select_for_update, the services'
  atomic blocks, a test's transaction): what the transaction reads must be what it writes against;
- always the tables of auth, sessions, admin, contenttypes, django-axes, knox and the database cache,
  so a login, its `last_login`, a session saved on a GET, a lockout or a new token act at once.
Migrations run on the primary only; the replica receives them, like every row, by streaming.
"""

import contextlib
import contextvars
import dataclasses
import logging
import time

from django.conf import settings
from django.db import connections

PRIMARY = "default"
REPLICA = "replica"
# The apps whose tables the replica may serve; every other table is read on the primary.
REPLICATED_APPS = frozenset({"organizations", "indicators", "campaigns", "reports"})
# After a failed connection or query the replica is left alone this long (per process).
RETRY_SECONDS = 5.0

log = logging.getLogger(__name__)

# One scope per request (None outside requests: commands, the shell, tests without a request).
_scope: contextvars.ContextVar["ReadScope | None"] = contextvars.ContextVar("replica_read_scope", default=None)
_down_until = 0.0

# One round trip: is it a standby, how far has it replayed, how far behind is it, is it receiving.
# The lag is zero when it has replayed all it received; `pg_stat_wal_receiver` shows its row (the pid)
# to every role, so a dropped stream is seen without extra privileges.
_PROBE = """
SELECT pg_is_in_recovery(),
       pg_last_wal_replay_lsn() - '0/0'::pg_lsn,
       CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0) END,
       EXISTS (SELECT 1 FROM pg_stat_wal_receiver)
"""


def enabled() -> bool:
    return REPLICA in settings.DATABASES


@dataclasses.dataclass(frozen=True)
class Pin:
    """Where a user's last write is: the primary's WAL position after it, or None when that is unknown
    (then only the pin's age tells, and the primary answers for as long as the pin lasts)."""

    lsn: int | None

    def __str__(self):
        return "" if self.lsn is None else str(self.lsn)

    @classmethod
    def parse(cls, text: str) -> "Pin | None":
        if text == "":
            return cls(None)
        return cls(int(text)) if text.isdigit() else None

    @classmethod
    def later(cls, *pins: "Pin | None") -> "Pin | None":
        pins = [p for p in pins if p is not None]
        if not pins:
            return None
        if any(p.lsn is None for p in pins):
            return cls(None)
        return max(pins, key=lambda p: p.lsn)


def primary_position() -> Pin:
    """The primary's WAL position now: every transaction committed so far is before it."""
    try:
        with connections[PRIMARY].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")
            return Pin(int(cursor.fetchone()[0]))
    except Exception:  # not PostgreSQL, or a primary that cannot say: fall back to the pin's age
        log.warning("replica: the primary's WAL position is unavailable; pinning this user by time", exc_info=True)
        return Pin(None)


def mark_down(reason: str) -> None:
    global _down_until
    if time.monotonic() >= _down_until:
        log.warning("replica: %s; reading the primary for %s s", reason, RETRY_SECONDS)
    _down_until = time.monotonic() + RETRY_SECONDS
    with contextlib.suppress(Exception):  # a broken connection may fail to close too
        connections[REPLICA].close()


def reset() -> None:
    """Forget that the replica failed (tests)."""
    global _down_until
    _down_until = 0.0


def _probe() -> tuple:
    conn = connections[REPLICA]
    reused = conn.connection is not None
    try:
        with conn.cursor() as cursor:
            cursor.execute(_PROBE)
            return cursor.fetchone()
    except Exception:
        if not reused:
            raise
    # A kept connection (CONN_MAX_AGE) that the replica dropped, e.g. on a restart: once more, on a new one.
    conn.close()
    with conn.cursor() as cursor:
        cursor.execute(_PROBE)
        return cursor.fetchone()


def replica_fits(pin: Pin | None) -> bool:
    """May a reader whose last write is at `pin` read the replica now? Never raises: a failure means no."""
    if time.monotonic() < _down_until:
        return False
    if pin is not None and pin.lsn is None:
        return False
    try:
        standby, replayed, lag, receiving = _probe()
    except Exception as exc:
        mark_down(f"unreachable ({exc!r})")
        return False
    if standby and (not receiving or lag > settings.REPLICA_MAX_LAG):
        return False
    # Past the user's last write (a replica that cannot say where it is serves no pinned user).
    return pin is None or (replayed is not None and int(replayed) >= pin.lsn)


class ReadScope:
    """What one request may read from the replica. The choice is made at its first replicable read, when the
    user is known (DRF authenticates tokens inside the view), and kept for the rest of the request so
    that all its figures and the data version they are cached under come from one database."""

    def __init__(self, *, user_key, pin_for_user):
        self._user_key = user_key  # callable: who the request's user is now (changes once DRF authenticates)
        self._pin_for_user = pin_for_user  # callable: that user's pin, or None
        self._chosen: tuple[object, str] | None = None
        self.eligible = False  # set by the middleware for the views whose reads the replica may serve
        self.wrote = False
        self.forced_primary = False

    def alias(self) -> str:
        if self.forced_primary:
            return PRIMARY
        user_key = self._user_key()
        if self._chosen is None or self._chosen[0] != user_key:
            self._chosen = (user_key, REPLICA if replica_fits(self._pin_for_user()) else PRIMARY)
        return self._chosen[1]

    def used_replica(self) -> bool:
        return self._chosen is not None and self._chosen[1] == REPLICA


def open_scope(scope: ReadScope):
    return _scope.set(scope)


def close_scope(token) -> None:
    _scope.reset(token)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        scope = _scope.get()
        if scope is None or not scope.eligible or scope.wrote or model._meta.app_label not in REPLICATED_APPS:
            return PRIMARY
        if connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return scope.alias()

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same rows on both

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY
