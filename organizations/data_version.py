"""The data version: one number that changes whenever anything a figure is made of changes.

Values, submissions' statuses, the unit tree and its successions, the indicator
catalogue: a write to any of them calls `data_changed()` (model signals and the
versioned querysets do it for the ORM; raw SQL and COPY paths call it
themselves). A write that changes none of a model's `figure_fields` (a unit or
an indicator renamed) is logged as a relabel: the version moves, so documents
are made anew with the new names, but every kept figure stays. A write to the
unit tree or its successions (a model that says `data_tree`) is logged as a tree
change: a kept roll-up compares its tree with the new one and refolds the units
that differ, not everything. The number is
bumped *after* the writing transaction commits, in its own one-row UPDATE, so
writers never queue on it while they work, and a reader never sees the new
number before the data it stands for. A bump that fails once its data is committed is
kept and made again, with the cells it would have logged, at this process's next request or write.

Readers use it for two things: caching computed figures (`indicators.figure_cache`)
and conditional HTTP reads (ETag/Last-Modified). While the reader's own
connection has uncommitted writes there is no version (`current()` is None):
nothing it computes then may be shared outside that transaction.

`state()` is the key a cache uses: the committed version, this process's count
of `data_changed()` calls (so an in-process cache never outlives a write this
process made, even one whose transaction never commits, like a test's), and,
while the connection has writes of its own in flight, that transaction's token.

Inside `one_version()` (every request: `OneVersionMiddleware`) the committed version is
read once per database and then reused, until this process writes: every figure of a page
is of the same version, and a page that asks its kept figures four times reads one row once.
"""

import atexit
import contextlib
import contextvars
import datetime
import itertools
import logging
import threading

from django.db import connections, models, router, transaction
from django.utils import timezone

log = logging.getLogger(__name__)

_calls = itertools.count(1)
_tokens = itertools.count(1)
_epoch = 0


class Version(tuple):
    """(number, changed_at) as stored; `number` alone orders versions."""

    @property
    def number(self) -> int:
        return self[0]

    @property
    def changed_at(self) -> datetime.datetime:
        return self[1]


def _model():
    from organizations.models import DataVersion

    return DataVersion


def _alias(using: str | None, *, write: bool) -> str:
    if using:
        return using
    model = _model()
    return (router.db_for_write if write else router.db_for_read)(model) or "default"


# A transaction that touched more (unit, year) cells than this is logged as "anything changed".
MAX_LOGGED_CELLS = 20_000
# How many committed changes the log keeps; a reader further behind than this refolds from the values.
# Enough for a national roll-up's refresh limit (indicators.figure_cache) of one-cell saves; rows are small.
LOG_LENGTH = 20_000


# Bumps that failed after their data committed, by alias: (cells, tree) merged, made again before the next one
# (`retry_failed_bumps`). Until then other workers serve the figures of before that write.
_failed: dict[str, tuple[set | None, bool]] = {}
_failed_lock = threading.Lock()


def _bump_now(alias: str, cells: set | None, tree: bool = False) -> None:
    """Move the version and log what moved it, in one short transaction of its own.

    A bump that fails (the connection dropped just after the commit, say) is kept and made again, with
    what it would have logged, at the start of this process's next request or write (`retry_failed_bumps`).
    """
    with _failed_lock:  # a failed bump first, merged: one version for both writes, logged as what they changed
        cells, tree = _merged((cells, tree), _failed.pop(alias, None))
    if not _bumped(alias, cells, tree):
        with _failed_lock:  # merged with another thread's failure in the meantime
            _failed[alias] = _merged((cells, tree), _failed.get(alias))


def _merged(bump: tuple[set | None, bool], owed: tuple[set | None, bool] | None) -> tuple[set | None, bool]:
    """(cells, tree) of two bumps made as one: None cells ("anything") if either says so."""
    if owed is None:
        return bump
    cells = None if bump[0] is None or owed[0] is None else owed[0] | bump[0]
    return cells, bump[1] or owed[1]


def retry_failed_bumps() -> None:
    """Make again the bumps of this process that failed after their data committed (see `_bump_now`)."""
    for alias in list(_failed):
        with _failed_lock:
            owed = _failed.pop(alias, None)
        if owed is not None:
            _bump_now(alias, *owed)


atexit.register(retry_failed_bumps)  # a command (an import, say) that ends before another request or write


def _bumped(alias: str, cells: set | None, tree: bool) -> bool:
    from organizations.models import DataChange

    try:
        model = _model()
        with transaction.atomic(using=alias):
            now = timezone.now()
            if not model.objects.using(alias).filter(pk=1).update(number=models.F("number") + 1, changed_at=now):
                model.objects.using(alias).get_or_create(pk=1, defaults={"number": 1, "changed_at": now})
            number = model.objects.using(alias).values_list("number", flat=True).get(pk=1)
            logged = None if cells is None or len(cells) > MAX_LOGGED_CELLS else sorted(cells)
            DataChange.objects.using(alias).create(number=number, cells=logged, tree=tree and logged is not None, changed_at=now)
            if number % 100 == 0:
                DataChange.objects.using(alias).filter(number__lte=number - LOG_LENGTH).delete()
    except Exception:  # the data is committed already: a failed bump must not turn the user's save into an error
        log.exception(
            "data version: the bump after a commit failed; other workers serve the figures of before it until this"
            " process makes it again (its next request or write) or `manage.py mark_data_changed` is run"
        )
        return False
    return True


class Changes(set):
    """The (unit id, year) cells some committed writes changed; `relabelled`: names or labels changed too.

    A write of names and labels only (a unit or an indicator renamed) logs no cell: every figure
    stays, and only what keeps names beside its figures has to read them again. `tree`: the unit tree
    or its successions changed as well; the cells do not say where, so a reader that keeps a tree
    compares it with the tree as it is now (names may have changed with it: `relabelled` too).
    """

    relabelled = False
    tree = False


def changes_between(old: int, new: int, using: str | None = None, old_at: datetime.datetime | None = None) -> Changes | None:
    """The cells changed by versions old+1..new, or None when that is not known exactly.

    None when one of those writes said "anything" (the catalogue, a bulk update), the log no longer
    reaches back to `old`, or the version went back: then a reader must refold from the values.
    Within `one_version()` the log is read once for every kept result a request brings up to date.
    `old_at`, when given: the moment version `old` was read as having taken its number; a log whose `old` is
    of another moment is another history (a database restored), and None is the answer too.
    """
    if new == old:
        return Changes()
    if new < old:  # the version went back: the database was replaced (a backup restored) under this process
        return None
    alias = _alias(using, write=False)
    seen = _versions_read.get()
    if seen is None:
        return _changes_stored(old, new, alias, old_at)
    key = ("changes", alias, old, new, old_at)
    if key not in seen:
        seen[key] = _changes_stored(old, new, alias, old_at)
    return seen[key]


def _changes_stored(old: int, new: int, alias: str, old_at) -> Changes | None:
    from organizations.models import DataChange

    first = old if old_at is not None else old + 1
    logged = list(
        DataChange.objects.using(alias)
        .filter(number__gte=first, number__lte=new)
        .order_by("number")
        .values_list("number", "changed_at", "cells", "tree")
    )
    if old_at is not None:
        if not logged or logged[0][0] != old or logged[0][1] != old_at:
            return None  # the log's `old` is not the reader's: another history, or no longer logged
        logged = logged[1:]
    rows = [cells for _n, _at, cells, _tree in logged]
    if len(rows) != new - old or any(r is None for r in rows):
        return None
    changes = Changes((unit, year) for r in rows for unit, year in r)
    changes.tree = any(tree for _n, _at, _cells, tree in logged)
    changes.relabelled = changes.tree or any(r == [] for r in rows)
    return changes


def changes_since(old: Version, new: Version, using: str | None = None) -> Changes | None:
    """`changes_between` for two versions as read: the same number at another moment is another history."""
    if old.number == new.number and old.changed_at != new.changed_at:
        return None
    return changes_between(old.number, new.number, using, old_at=old.changed_at)


def _pending_bump(alias: str):
    """The bump this connection's open transaction will make when it commits, if it has written anything."""
    conn = connections[alias]
    if not conn.in_atomic_block:
        return None
    for entry in conn.run_on_commit:
        if getattr(entry[1], "data_version_token", None) is not None:
            return entry[1]
    return None


def _pending(alias: str) -> int | None:
    """The token of this connection's open transaction if it has written something figures depend on."""
    bump = _pending_bump(alias)
    return None if bump is None else bump.data_version_token


def data_changed(using: str | None = None, cells=None, *, tree: bool = False) -> None:
    """Say that figures' inputs changed: the version moves when the current transaction commits (now, if none).

    `cells`: the (unit id, year) whose values or submissions changed, when known; None means anything may
    have (the catalogue, a bulk update, raw SQL), and readers refold from the values; an empty
    collection, that only names or labels changed (`relabelled`), which no figure is made of.
    `tree`: the unit tree or its successions changed (`cells`, then, whatever else the transaction wrote).
    """
    global _epoch
    _epoch = next(_calls)
    alias = _alias(using, write=True)
    conn = connections[alias]
    cells = None if cells is None else set(cells)
    if not conn.in_atomic_block:
        _bump_now(alias, cells, tree)
        return
    relabelled = not tree and cells is not None and not cells
    bump = _pending_bump(alias)
    if bump is not None:
        if bump.cells is not None:
            bump.cells = None if cells is None else bump.cells | cells
        bump.relabelled |= relabelled
        bump.tree |= tree
        return

    def bump():
        # Names and cells in one transaction: the log has no way to say both, so it says "anything" (a tree
        # change can: its readers read names again).
        named_cells = bump.relabelled and bump.cells and not bump.tree
        _bump_now(alias, None if named_cells else bump.cells, bump.tree)

    bump.data_version_token = next(_tokens)
    bump.cells = cells
    bump.relabelled = relabelled
    bump.tree = tree
    transaction.on_commit(bump, using=alias)


def epoch() -> int:
    return _epoch


def current(using: str | None = None) -> Version | None:
    """The committed data version as this connection reads it; None while it has uncommitted writes of its own
    (or committed ones that no version names yet: a bump that failed and is owed)."""
    if _own_writes(using) is not None:
        return None
    return _read(_alias(using, write=False))


def state(using: str | None = None) -> tuple:
    """What the data a reader sees depends on, as a key: (version, epoch, token).

    Without writes of its own in flight: the committed `Version` (and this process's epoch). With them:
    None and that transaction's token (which no other transaction ever has) with its open savepoints.
    """
    token = _own_writes(using)
    if token is not None:
        # The open savepoints too: what was read inside one that is then rolled back is not reused after it.
        savepoints = tuple(connections[_alias(None, write=True)].savepoint_ids)
        return (None, epoch(), (token, savepoints))
    return (_read(_alias(using, write=False)), epoch(), None)


def _own_writes(using: str | None) -> int | str | None:
    aliases = {_alias(using, write=False), _alias(None, write=True)}
    for alias in sorted(aliases):
        token = _pending(alias)
        if token is not None:
            return token
        if alias in _failed:  # committed writes no version names yet: no more shareable than uncommitted ones
            return f"owed-{alias}"
    return None


# (alias, epoch) → the Version read there within the current `one_version()` scope, ("read_at", alias, epoch) →
# when, and ("changes", …) → the log between two versions; None outside a scope. The epoch moves with each
# data_changed() of this process, so a scope's own write is followed by a fresh read.
_versions_read: contextvars.ContextVar[dict | None] = contextvars.ContextVar("data_versions_read", default=None)


@contextlib.contextmanager
def one_version():
    """Within: the committed version is read from each database once (per epoch: a write of this process reads anew).

    Inside an open scope (a request's, `OneVersionMiddleware`) it joins that one: a page is of one version.
    """
    if _versions_read.get() is not None:
        yield
        return
    scope = _versions_read.set({})
    try:
        yield
    finally:
        _versions_read.reset(scope)


def read_at(using: str | None = None) -> datetime.datetime | None:
    """When the version `current()` gives in this scope was read: a moment taken just before its query (None
    outside a scope, or before a read). A change dated before it was committed before the version was read."""
    seen = _versions_read.get()
    return None if seen is None else seen.get(("read_at", _alias(using, write=False), _epoch))


class OneVersionMiddleware:
    """One request, one data version (`one_version`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _failed:  # a bump of this process that failed: made before anything is read
            retry_failed_bumps()
        with one_version():
            return self.get_response(request)


def _read(alias: str) -> Version:
    seen = _versions_read.get()
    if seen is None:
        return _read_stored(alias)
    key = (alias, _epoch)
    version = seen.get(key)
    if version is None:
        seen[("read_at", *key)] = timezone.now()
        version = seen[key] = _read_stored(alias)
    return version


def _read_stored(alias: str) -> Version:
    row = _model().objects.using(alias).filter(pk=1).values_list("number", "changed_at").first()
    if row is None:
        return Version((0, datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)))
    return Version(row)


class VersionedQuerySet(models.QuerySet):
    """A queryset whose bulk writes (which send no model signals) move the data version too.

    A model whose rows belong to a (unit, year) cell names the fields in `data_cells`
    (("org_unit_id", "year")), so its writes are logged cell by cell.
    """

    def _cells_of(self, objs) -> set | None:
        fields = getattr(self.model, "data_cells", None)
        if fields is None:
            return None
        return {tuple(getattr(o, f) for f in fields) for o in objs}

    def _cells_here(self, touched=()) -> set | None:
        fields = getattr(self.model, "data_cells", None)
        if fields is None or any(f in touched or f"{f}_id" in touched or f.removesuffix("_id") in touched for f in fields):
            return None
        cells = set(self.order_by().values_list(*fields).distinct()[: MAX_LOGGED_CELLS + 1])
        return None if len(cells) > MAX_LOGGED_CELLS else cells

    def update(self, **kwargs):
        with transaction.atomic(using=self.db):
            cells = set() if _labels_only(self.model, kwargs) else self._cells_here(kwargs)
            n = super().update(**kwargs)
            if n:
                _changed(self.model, self.db, cells)
        return n

    def delete(self):
        with transaction.atomic(using=self.db):
            cells = self._cells_here()
            result = super().delete()
            if result[0]:
                _changed(self.model, self.db, cells)
        return result

    def bulk_create(self, objs, *args, **kwargs):
        out = super().bulk_create(objs, *args, **kwargs)
        if out:
            _changed(self.model, self.db, self._cells_of(out))
        return out

    def bulk_update(self, objs, fields, *args, **kwargs):
        n = super().bulk_update(objs, fields, *args, **kwargs)
        if n:
            _changed(self.model, self.db, set() if _labels_only(self.model, fields) else self._cells_of(objs))
        return n


def _changed(model, using, cells) -> None:
    """`data_changed` for a write to `model`'s rows: one that changes the tree (`data_tree`) says so."""
    if cells is None and getattr(model, "data_tree", False):
        data_changed(using, (), tree=True)
    else:
        data_changed(using, cells)


def _labels_only(model, fields) -> bool:
    """Whether writing `fields` (names, as given to update() or save(update_fields=…)) leaves every figure alone.

    A model that names its `figure_fields` (what the rule and the kept results read of it) changes only
    labels when none of those is written; a model that names none is always taken to change figures.
    """
    figure_fields = getattr(model, "figure_fields", None)
    if figure_fields is None or fields is None:
        return False
    written = {model._meta.get_field(f).name for f in fields}
    return not written & set(figure_fields)


def _stored_figure_fields(sender, instance, using):
    """A row's figure fields as stored (None for a new row): read before a save, compared after it."""
    fields = sender.figure_fields
    if instance.pk is None or not fields:
        return None
    return sender._base_manager.using(using).filter(pk=instance.pk).values_list(*fields).first()


def _before_save(sender, instance=None, using=None, update_fields=None, raw=False, **kwargs):
    if raw or _labels_only(sender, update_fields):
        return
    instance._figure_fields_before = _stored_figure_fields(sender, instance, using)


def _saved_labels_only(sender, instance, update_fields, created) -> bool:
    if created or getattr(sender, "figure_fields", None) is None:
        return False
    if _labels_only(sender, update_fields):
        return True
    if not sender.figure_fields:
        return True
    before = instance.__dict__.pop("_figure_fields_before", None)
    now = tuple(getattr(instance, sender._meta.get_field(f).attname) for f in sender.figure_fields)
    return before is not None and tuple(before) == now


def _on_save(sender, instance=None, using=None, created=False, update_fields=None, **kwargs):
    if _saved_labels_only(sender, instance, update_fields, created):
        data_changed(using, ())  # a rename: the version moves, no figure is refolded
    else:
        _on_write(sender, instance, using)


def _on_write(sender, instance=None, using=None, **kwargs):
    fields = getattr(sender, "data_cells", None)
    _changed(sender, using, None if fields is None else [tuple(getattr(instance, f) for f in fields)])


def _on_m2m(sender, action, instance=None, using=None, **kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        _changed(type(instance), using, None)  # a unit's successions are the tree's


def watch(*models_) -> None:
    """Connect the model signals of the models figures are made of (called from the apps' ready())."""
    from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

    for m in models_:
        if getattr(m, "figure_fields", None):
            pre_save.connect(_before_save, sender=m, dispatch_uid=f"data_version_before_{m._meta.label}")
        post_save.connect(_on_save, sender=m, dispatch_uid=f"data_version_save_{m._meta.label}")
        post_delete.connect(_on_write, sender=m, dispatch_uid=f"data_version_delete_{m._meta.label}")
        for field in m._meta.local_many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(_on_m2m, sender=through, dispatch_uid=f"data_version_m2m_{through._meta.label}")
