"""The data version: one number that changes whenever anything a figure is made of changes.

Values, submissions' statuses, the unit tree and its successions, the indicator
catalogue: a write to any of them calls `data_changed()` (model signals and the
versioned querysets do it for the ORM; raw SQL and COPY paths call it
themselves). The number is bumped *after* the writing transaction commits, in
its own one-row UPDATE, so writers never queue on it while they work, and a
reader never sees the new number before the data it stands for.

Readers use it for two things: caching computed figures (`indicators.figure_cache`)
and conditional HTTP reads (ETag/Last-Modified). While the reader's own
connection has uncommitted writes there is no version (`current()` is None):
nothing it computes then may be shared outside that transaction.

`state()` is the key a cache uses: the committed version, this process's count
of `data_changed()` calls (so an in-process cache never outlives a write this
process made, even one whose transaction never commits, like a test's), and,
while the connection has writes of its own in flight, that transaction's token.
"""

import datetime
import itertools
import logging

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


def _bump_now(alias: str) -> None:
    try:
        model = _model()
        updated = model.objects.using(alias).filter(pk=1).update(number=models.F("number") + 1, changed_at=timezone.now())
        if not updated:
            model.objects.using(alias).get_or_create(pk=1, defaults={"number": 1, "changed_at": timezone.now()})
    except Exception:  # the data is committed already: a failed bump must not turn the user's save into an error
        log.exception("data version: the bump after a commit failed; cached figures stay until the next write")


def _pending(alias: str) -> int | None:
    """The token of this connection's open transaction if it has written something figures depend on."""
    conn = connections[alias]
    if not conn.in_atomic_block:
        return None
    for entry in conn.run_on_commit:
        token = getattr(entry[1], "data_version_token", None)
        if token is not None:
            return token
    return None


def data_changed(using: str | None = None) -> None:
    """Say that figures' inputs changed: the version moves when the current transaction commits (now, if none)."""
    global _epoch
    _epoch = next(_calls)
    alias = _alias(using, write=True)
    conn = connections[alias]
    if not conn.in_atomic_block:
        _bump_now(alias)
        return
    if _pending(alias) is not None:
        return

    def bump():
        _bump_now(alias)

    bump.data_version_token = next(_tokens)
    transaction.on_commit(bump, using=alias)


def epoch() -> int:
    return _epoch


def current(using: str | None = None) -> Version | None:
    """The committed data version as this connection reads it; None while it has uncommitted writes of its own."""
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


def _own_writes(using: str | None) -> int | None:
    aliases = {_alias(using, write=False), _alias(None, write=True)}
    for alias in sorted(aliases):
        token = _pending(alias)
        if token is not None:
            return token
    return None


def _read(alias: str) -> Version:
    row = _model().objects.using(alias).filter(pk=1).values_list("number", "changed_at").first()
    if row is None:
        return Version((0, datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)))
    return Version(row)


class VersionedQuerySet(models.QuerySet):
    """A queryset whose bulk writes (which send no model signals) move the data version too."""

    def update(self, **kwargs):
        n = super().update(**kwargs)
        if n:
            data_changed(self.db)
        return n

    def delete(self):
        result = super().delete()
        if result[0]:
            data_changed(self.db)
        return result

    def bulk_create(self, objs, *args, **kwargs):
        out = super().bulk_create(objs, *args, **kwargs)
        if out:
            data_changed(self.db)
        return out

    def bulk_update(self, objs, fields, *args, **kwargs):
        n = super().bulk_update(objs, fields, *args, **kwargs)
        if n:
            data_changed(self.db)
        return n


def _on_write(sender, using=None, **kwargs):
    data_changed(using)


def _on_m2m(sender, action, using=None, **kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        data_changed(using)


def watch(*models_) -> None:
    """Connect the model signals of the models figures are made of (called from the apps' ready())."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    for m in models_:
        post_save.connect(_on_write, sender=m, dispatch_uid=f"data_version_save_{m._meta.label}")
        post_delete.connect(_on_write, sender=m, dispatch_uid=f"data_version_delete_{m._meta.label}")
        for field in m._meta.local_many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(_on_m2m, sender=through, dispatch_uid=f"data_version_m2m_{through._meta.label}")
