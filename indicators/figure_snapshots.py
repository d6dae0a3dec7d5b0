"""Kept roll-ups of national size saved in the database, so that a fresh process refreshes the last fold.

`figure_cache` keeps roll-ups per process. A process that starts (a worker that
gunicorn did not warm, `manage.py export_report`, the warming master itself)
would fold the nation from the values: 0.9 s at 1 M values, 7 s at 10 M. Instead
it loads the snapshot the last fold of the same parts left (0.09 s at 1 M) and
brings it up to date from the change log, as it would its own kept result.

A snapshot is only a cache: taken at a data version (number and moment, so a
restored history is noticed as for kept results) and by some code (`CODE`, a
digest of the modules whose objects it pickles); of another code it is ignored.
Pickling costs about half a fold, so a worker saves after its response has
gone (`request_finished`); a command saves on `flush()` or at exit.
"""

import atexit
import hashlib
import logging
import pickle
import threading
from pathlib import Path

from django.conf import settings
from django.core.signals import request_finished
from django.db import router

log = logging.getLogger(__name__)

_MODULES = ("indicators/aggregation.py", "indicators/models.py", "indicators/periods.py", "organizations/models.py")


def _code() -> str:
    import django

    digest = hashlib.sha256(django.get_version().encode())
    for name in _MODULES:
        digest.update((Path(settings.BASE_DIR) / name).read_bytes())
    return digest.hexdigest()[:64]


CODE = _code()
_pending: dict[str, tuple] = {}
_lock = threading.Lock()


def enabled(weight: int) -> bool:
    return weight >= settings.FIGURE_SNAPSHOT_FROM > 0


def _key(kind: str, parts: tuple) -> str:
    return hashlib.sha256(repr((kind, parts)).encode()).hexdigest()


def load(kind: str, parts: tuple):
    """(Version it was folded at, the kept result) of the last snapshot of `parts`, or None."""
    from indicators.models import FoldSnapshot
    from organizations.data_version import Version

    try:
        row = FoldSnapshot.objects.filter(key=_key(kind, parts), code=CODE).values_list("number", "changed_at", "data").first()
        if row is None:
            return None
        return Version((row[0], row[1])), pickle.loads(row[2])
    except Exception:  # a cache: whatever is wrong with a row (unpickling can raise almost anything), fold instead
        log.exception("figure snapshots: a snapshot could not be read; folding from the values")
        return None


def save_later(kind: str, parts: tuple, version, value) -> None:
    """Keep `value` (folded at `version`) to be saved after the response, or at `flush()`."""
    with _lock:
        _pending[_key(kind, parts)] = (version, value)


def flush(**_kwargs) -> None:
    """Save the snapshots kept since the last flush (one row per parts: the newest replaces the one before)."""
    from indicators.models import FoldSnapshot

    with _lock:
        todo = list(_pending.items())
        _pending.clear()
    for key, (version, value) in todo:
        try:
            data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            FoldSnapshot.objects.using(router.db_for_write(FoldSnapshot)).update_or_create(
                key=key, defaults={"number": version[0], "changed_at": version[1], "code": CODE, "data": data}
            )
        except Exception:  # a cache: the figures served are right without it
            log.exception("figure snapshots: a snapshot could not be saved")


def forget() -> None:
    """Drop every snapshot, saved or queued (the bench's first fold; `figure_cache.clear` keeps them)."""
    from indicators.models import FoldSnapshot

    with _lock:
        _pending.clear()
    FoldSnapshot.objects.using(router.db_for_write(FoldSnapshot)).all().delete()


request_finished.connect(flush, dispatch_uid="figure_snapshots_flush")
atexit.register(flush)
