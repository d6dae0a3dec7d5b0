"""Computed roll-ups kept in this process under the data version, so a figure is folded once per change.

Only the reading side lives here; what changes the version is
`organizations.data_version`. A key holds the committed data version, this
process's write epoch and, while the reading connection has writes of its own
not yet committed, that transaction's token — so nothing computed from
uncommitted data is ever served outside the transaction that wrote it.

The cache is per process on purpose: a roll-up is a graph of Python objects
(figures, the unit tree, coverage counts) that would cost more to pickle into a
shared cache than to rebuild from the values for a province. Each worker folds a
national roll-up once per data version; `FIGURE_CACHE_FIGURES` bounds how many
figures a worker keeps (least recently used go first).
"""

import contextlib
import gc
import threading
from collections import Counter, OrderedDict

from django.conf import settings

from indicators import figure_snapshots
from organizations import data_version


def enabled() -> bool:
    return getattr(settings, "FIGURE_CACHE_FIGURES", 0) > 0


def version_key(using: str | None = None) -> tuple | None:
    """What cached figures are valid for right now, as this connection sees the data (None: cache off)."""
    if not enabled():
        return None
    return data_version.state(using)


class _LRU:
    def __init__(self):
        self._items: OrderedDict = OrderedDict()
        self._weight = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key):
        with self._lock:
            item = self._items.get(key)
            if item is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return item[0]

    def put(self, key, value, weight: int) -> None:
        limit = settings.FIGURE_CACHE_FIGURES
        if weight > limit:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._weight -= old[1]
            self._items[key] = (value, weight)
            self._weight += weight
            while self._weight > limit and self._items:
                _k, (_v, w) = self._items.popitem(last=False)
                self._weight -= w

    def weight_of(self, key) -> int:
        with self._lock:
            item = self._items.get(key)
            return 0 if item is None else item[1]

    def drop(self, key) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._weight -= old[1]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._weight = 0

    def __len__(self):
        return len(self._items)


rollups = _LRU()
# What → the key of its latest committed roll-ups, from which the next version's are refreshed.
latest: dict[tuple, tuple] = {}
refreshes = 0  # how many times kept roll-ups were brought up to date from the change log (for tests, bench)
snapshots_used = 0  # how many results were taken from a saved snapshot instead of folded (for tests, bench)
# kind → how many kept results were brought up to date by asking the data what changed (for tests, bench).
rechecks: Counter = Counter()
# Refreshing costs in proportion to the (unit, year) cells written since, a fold to everything kept: a kept
# result is refreshed from up to this many cells, or more where it declares a larger `refresh_limit`.
MAX_REFRESHED_CELLS = 2_000


@contextlib.contextmanager
def collector_paused(freeze: bool = False):
    """Python's cyclic garbage collector off while a kept result is built or refreshed.

    A national fold allocates millions of objects that all live on, so the collector would walk the
    growing heap again and again: a fifth of a cold fold at 10 M values. Nothing built here forms
    reference cycles, and reference counting still frees whatever is dropped.

    `freeze` (a result of national size): the garbage there is now is collected first, and what exists
    once the build is done moves to the collector's permanent generation (`gc.freeze`), which it never
    walks. Without that, the first collections after a refresh of the 10 M national dashboard walked
    its big dicts and sets again: ~0.1 s each, a third of the next page. Reference counting still frees
    a frozen object when it is dropped; only a cycle made during the build itself would outlive its use
    (measured: ~150 objects a refresh, which `max_requests` bounds).
    """
    if not gc.isenabled():  # already paused (a build inside a build)
        yield
        return
    if freeze:
        gc.collect()  # cheap once the kept heap is frozen: only what is not frozen is walked
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        gc.enable()


def clear() -> None:
    """Forget every kept result (a fresh process starts so; benches measure the cold path with it)."""
    rollups.clear()
    latest.clear()


def _refreshed(kind, older, older_version, version, refresh, refresh_limit, refresh_tree, recheck, freeze):
    """`refresh(older, cells)` from the change log between the two versions; where the log cannot say,
    `recheck(older)`, when given; None when neither can."""
    cells = data_version.changes_since(older_version, version)
    if cells is None and recheck is not None:
        with collector_paused(freeze):
            found = recheck(older)
        rechecks[kind] += found is not None
        return found
    if cells is not None and cells.tree and not refresh_tree:
        return None
    limit = max(MAX_REFRESHED_CELLS, refresh_limit(older) if refresh_limit is not None else 0)
    if cells is None or len(cells) > limit:
        return None
    with collector_paused(freeze):
        return refresh(older, cells)


def kept(
    kind: str,
    parts: tuple,
    build,
    weight=len,
    refresh=None,
    refresh_limit=None,
    refresh_tree=False,
    recheck=None,
    snapshot=False,
):
    """`build()` computed once per data version for `parts` (what identifies it), kept with the roll-ups.

    For selectors as costly as a fold at national size (who has reported, for instance) whose result
    only reads data the version covers. `refresh(old, cells)`, when given, brings the result of an
    older committed version up to date from the (unit id, year) cells written since, or returns None;
    `refresh_limit(old)`, how many cells it still refreshes rather than building anew (at least
    MAX_REFRESHED_CELLS). A change to the unit tree since (`cells.tree`) builds anew, unless
    `refresh_tree` says that `refresh` finds for itself what the new tree changes. `recheck(old)`, when
    given, brings the result up to date where the log cannot say what changed (raw SQL, a bulk update, a
    snapshot of another history), or returns None to build anew. `snapshot`: a result
    built of national size (`FIGURE_SNAPSHOT_FROM`) is saved in the database too, and a process that keeps
    none of these parts starts from the saved one (`figure_snapshots`).
    """
    global snapshots_used
    version = version_key()
    if version is None:
        with collector_paused():
            return build()
    key = (kind, version, parts)
    hit = rollups.get(key)
    if hit is not None:
        return hit
    older_key = latest.get((kind, parts)) if version[2] is None else None
    # As big as the result it replaces: frozen once built (`collector_paused`). A first build is not; warm.py
    # freezes what the master built before it forks.
    freeze = older_key is not None and rollups.weight_of(older_key) >= settings.FIGURE_CACHE_FREEZE_FROM
    older = rollups.get(older_key) if refresh is not None and older_key is not None else None
    if older is not None:
        hit = _refreshed(kind, older, older_key[1][0], version[0], refresh, refresh_limit, refresh_tree, recheck, freeze)
    elif snapshot and version[2] is None:  # a fresh process: the last fold of these parts, saved by any process
        with collector_paused(freeze=True):  # unpickled, it is as big as a fold's result
            saved = figure_snapshots.load(kind, parts)
        if saved is not None:
            saved_at, older = saved
            hit = older if saved_at == version[0] else None
            if hit is None and refresh is not None:
                hit = _refreshed(kind, older, saved_at, version[0], refresh, refresh_limit, refresh_tree, recheck, True)
            if hit is not None:
                snapshots_used += 1
    built = hit is None
    if built:
        with collector_paused(freeze):
            hit = build()
    heavy = max(1, weight(hit))
    if built and snapshot and version[2] is None and figure_snapshots.enabled(heavy):
        figure_snapshots.save_later(kind, parts, version[0], hit)
    rollups.put(key, hit, heavy)
    if version[2] is None:
        superseded = latest.get((kind, parts))
        latest[(kind, parts)] = key
        if superseded is not None and superseded != key:
            rollups.drop(superseded)  # an older version's: no reader asks for it again
    return hit
