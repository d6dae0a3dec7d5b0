"""Succession of units: which units a unit took over, and the checks on declaring it.

A unit's `predecessors` are the units it succeeded: a merger into a new unit
(several old communes into one new commune), or a unit that continues and
absorbs another (Science and Technology absorbing Information and
Communications on 1/3/2025). A predecessor passes to its successor the day
after its `valid_to`, so it must close before its successor starts.

`lineage()` is what the aggregation rule's `previous` calls; `split_sources()`
tells a page that a comparison has no like-for-like base (one unit divided
among several successors).
"""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from organizations.models import OrgUnit


def _fmt(day: datetime.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else "…"


def _edges() -> dict[int, set[int]]:
    """successor id → predecessor ids, for the whole tree (one query; a few hundred rows)."""
    graph: dict[int, set[int]] = {}
    for successor_id, predecessor_id in OrgUnit.predecessors.through.objects.values_list("from_orgunit_id", "to_orgunit_id"):
        graph.setdefault(successor_id, set()).add(predecessor_id)
    return graph


def lineage(unit: OrgUnit, on_date: datetime.date) -> set[OrgUnit]:
    """The units `unit` had succeeded by `on_date`, transitively; `unit` itself is not in the set.

    A predecessor counts once it has passed to `unit`, i.e. when its `valid_to`
    is before `on_date` (it passes the day after its `valid_to`); its own
    predecessors come with it, by the same test. A predecessor still open on
    `on_date` is left out (it has not passed yet). A unit divided among several
    successors appears in the lineage of each of them: its whole history, not a
    share — `split_sources()` names such units so that a page can say there is
    no like-for-like comparison rather than invent one. Two queries.
    """
    graph = _edges()
    found: set[int] = set()
    todo = [unit.pk]
    candidates: set[int] = set()
    while todo:
        current = todo.pop()
        for pred in graph.get(current, ()):
            if pred not in candidates:
                candidates.add(pred)
                todo.append(pred)
    if not candidates:
        return set()
    units = {u.pk: u for u in OrgUnit.objects.filter(pk__in=candidates)}
    todo = [unit.pk]
    while todo:
        current = todo.pop()
        for pred in graph.get(current, ()):
            p = units[pred]
            if pred not in found and p.valid_to is not None and p.valid_to < on_date:
                found.add(pred)
                todo.append(pred)
    return {units[pk] for pk in found}


def split_sources(unit: OrgUnit, on_date: datetime.date) -> set[OrgUnit]:
    """Units in `unit`'s lineage by `on_date` that passed to more than one successor (a split)."""
    units = lineage(unit, on_date)
    if not units:
        return set()
    through = OrgUnit.predecessors.through.objects.filter(to_orgunit__in=units)
    successors: dict[int, set[int]] = {}
    for successor_id, predecessor_id in through.values_list("from_orgunit_id", "to_orgunit_id"):
        successors.setdefault(predecessor_id, set()).add(successor_id)
    return {u for u in units if len(successors.get(u.pk, ())) > 1}


@dataclass(frozen=True)
class Dates:
    """What the checks need to know of a unit: its dates and its parent's code."""

    valid_from: datetime.date | None
    valid_to: datetime.date | None
    parent: str = ""


def _open_on(d: Dates, day: datetime.date) -> bool:
    return (d.valid_from is None or d.valid_from <= day) and (d.valid_to is None or d.valid_to >= day)


def succession_problems(
    *,
    code: str,
    dates: Dates,
    predecessors: list[str],
    units: dict[str, Dates],
    graph: dict[str, set[str]],
) -> list[tuple[str, str]]:
    """(field, message) for each thing wrong with `code` succeeding `predecessors`.

    A predecessor must close (`valid_to`), and its successor must be open the
    day after, under a parent open that day. A successor newer than its
    predecessor (a merger into a new unit) must start after the predecessor
    closed; an older one (a unit that continues and absorbs another) takes it
    over on the day after. `units` holds every unit's dates as they will be
    (the database with an import's rows on top), `graph` every unit's
    predecessor codes likewise. Shared by `import_org_units` and the admin
    form, so both say the same.
    """
    problems: list[tuple[str, str]] = []
    if not predecessors:
        return problems
    parent = units.get(dates.parent) if dates.parent else None
    for p in predecessors:
        if p == code:
            problems.append(("predecessors", _("Đơn vị không thể là tiền thân của chính nó.")))
            continue
        if p not in units:
            problems.append(("predecessors", _("Không tìm thấy đơn vị tiền thân «%(p)s».") % {"p": p}))
            continue
        before = units[p]
        is_new = dates.valid_from is not None and (before.valid_from is None or dates.valid_from > before.valid_from)
        if is_new and (before.valid_to is None or before.valid_to >= dates.valid_from):
            problems.append(
                (
                    "predecessors",
                    _(
                        "Đơn vị tiền thân «%(p)s» vẫn hoạt động (hiệu lực đến %(t)s) khi «%(c)s» bắt đầu (%(f)s): "
                        "ngày hết hiệu lực của đơn vị tiền thân phải trước ngày bắt đầu của đơn vị kế thừa."
                    )
                    % {"p": p, "t": _fmt(before.valid_to), "c": code, "f": _fmt(dates.valid_from)},
                )
            )
            continue
        if before.valid_to is None:
            problems.append(
                (
                    "predecessors",
                    _("Đơn vị tiền thân «%(p)s» chưa có ngày hết hiệu lực: đơn vị còn hoạt động thì chưa chuyển sang «%(c)s».")
                    % {"p": p, "c": code},
                )
            )
            continue
        handover = before.valid_to + datetime.timedelta(days=1)
        if not _open_on(dates, handover):
            problems.append(
                (
                    "predecessors",
                    _("«%(c)s» không hoạt động vào ngày %(d)s, ngày «%(p)s» chuyển sang (hiệu lực của «%(c)s»: %(a)s – %(b)s).")
                    % {"c": code, "d": _fmt(handover), "p": p, "a": _fmt(dates.valid_from), "b": _fmt(dates.valid_to)},
                )
            )
        elif parent is not None and not _open_on(parent, handover):
            problems.append(
                (
                    "parent",
                    _(
                        "Đơn vị cấp trên «%(u)s» không hoạt động vào ngày %(d)s, khi «%(c)s» kế thừa «%(p)s» "
                        "(hiệu lực của «%(u)s»: %(a)s – %(b)s)."
                    )
                    % {
                        "u": dates.parent,
                        "d": _fmt(handover),
                        "c": code,
                        "p": p,
                        "a": _fmt(parent.valid_from),
                        "b": _fmt(parent.valid_to),
                    },
                )
            )
    # A cycle: following predecessors from `code` leads back to it.
    seen, todo = set(), [p for p in predecessors if p != code]
    while todo:
        cur = todo.pop()
        if cur == code:
            problems.append(("predecessors", _("Quan hệ tiền thân tạo thành vòng lặp (qua «%(c)s»).") % {"c": code}))
            break
        if cur in seen:
            continue
        seen.add(cur)
        todo.extend(graph.get(cur, ()))
    return list(dict.fromkeys(problems))


def split_codes(text: str) -> list[str]:
    """`HT-A; HT-B` → ["HT-A", "HT-B"] (order kept, blanks and repeats dropped)."""
    return list(dict.fromkeys(c.strip() for c in (text or "").split(";") if c.strip()))
