"""Writes to the unit tree. The tree's materialised path is kept here and only here."""

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from organizations.models import OrgUnit, UnitKind
from organizations.succession import Dates, split_codes, succession_problems
from reform_portal.tabular import LINE, RowError, RowsInvalid

UNIT_COLUMNS = ["code", "parent", "kind", "name_vi", "name_en", "valid_from", "valid_to", "abbreviation"]
# Optional: the units this one succeeded, codes separated by ";" (left out, a unit keeps what it has).
UNIT_OPTIONAL_COLUMNS = ["predecessors"]


def _parse_date(text: str, field: str, row: int, errors: list) -> datetime.date | None:
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    errors.append(RowError(row, field, _("Ngày «%(v)s» không hợp lệ (dùng YYYY-MM-DD hoặc DD/MM/YYYY).") % {"v": text}))
    return None


@transaction.atomic
def org_units_import(*, rows: list[dict], dry_run: bool = False) -> dict:
    """Add or update units by code, all or nothing. Parents and predecessors may come later in the file.

    `predecessors` (codes separated by ";"), when the row has that column, sets
    the units this one succeeded (empty: none); see organizations.succession
    for what is checked.
    """
    errors: list[RowError] = []
    existing = {u.code: u for u in OrgUnit.objects.all()}
    seen: dict[str, int] = {}
    parsed = []
    extras: dict[str, dict] = {}
    preds: dict[str, list[str]] = {}  # only rows that have the column
    kinds = set(UnitKind.values)
    for n, raw in enumerate(rows, start=1):
        n = raw.get(LINE, n)
        code = (raw.get("code") or "").strip()
        kind = (raw.get("kind") or "").strip()
        name_vi = (raw.get("name_vi") or "").strip()
        if not code:
            errors.append(RowError(n, "code", _("Thiếu mã đơn vị.")))
            continue
        try:
            OrgUnit._meta.get_field("code").run_validators(code)
        except Exception as exc:  # ValidationError: report its message
            errors.append(RowError(n, "code", " ".join(getattr(exc, "messages", [str(exc)]))))
            continue
        if code in seen:
            errors.append(RowError(n, "code", _("Mã «%(c)s» trùng với dòng %(r)s.") % {"c": code, "r": seen[code]}))
            continue
        seen[code] = n
        if kind not in kinds:
            errors.append(
                RowError(
                    n, "kind", _("Loại đơn vị «%(k)s» không hợp lệ (%(all)s).") % {"k": kind, "all": ", ".join(sorted(kinds))}
                )
            )
        if not name_vi:
            errors.append(RowError(n, "name_vi", _("Thiếu tên tiếng Việt.")))
        valid_from = _parse_date((raw.get("valid_from") or "").strip(), "valid_from", n, errors)
        valid_to = _parse_date((raw.get("valid_to") or "").strip(), "valid_to", n, errors)
        if valid_from and valid_to and valid_to < valid_from:
            errors.append(RowError(n, "valid_to", _("Ngày hết hiệu lực trước ngày bắt đầu hiệu lực.")))
        # The document number's suffix ("Số: …/BC-UBND"); a file without the column keeps what is stored.
        abbreviation = raw.get("abbreviation")
        if abbreviation is not None and len(abbreviation.strip()) > 40:
            errors.append(RowError(n, "abbreviation", _("Tên viết tắt dài quá 40 ký tự.")))
        extra = {} if abbreviation is None else {"abbreviation": abbreviation.strip()}
        parsed.append(
            (n, code, (raw.get("parent") or "").strip(), kind, name_vi, (raw.get("name_en") or "").strip(), valid_from, valid_to)
        )
        extras[code] = extra
        if "predecessors" in raw:
            preds[code] = split_codes(raw.get("predecessors") or "")

    codes = set(existing) | set(seen)
    by_id = {u.pk: u.code for u in existing.values()}
    parent_of = {u.code: by_id.get(u.parent_id, "") for u in existing.values()}
    for n, code, parent, *_rest in parsed:
        if parent and parent not in codes:
            errors.append(RowError(n, "parent", _("Không tìm thấy đơn vị cấp trên «%(p)s».") % {"p": parent}))
        if parent == code:
            errors.append(RowError(n, "parent", _("Đơn vị không thể là cấp trên của chính nó.")))
        parent_of[code] = parent
    # A cycle would make the tree's path endless.
    for n, code, *_rest in parsed:
        walk, cur = set(), code
        while cur:
            if cur in walk:
                errors.append(RowError(n, "parent", _("Quan hệ cấp trên tạo thành vòng lặp.")))
                break
            walk.add(cur)
            cur = parent_of.get(cur, "")
    errors.extend(_succession_errors(parsed, preds, existing, parent_of))
    if errors:
        raise RowsInvalid(sorted(set(errors), key=lambda e: (e.row or 0, e.field)))

    created = updated = 0
    created_codes: set[str] = set()
    for _n, code, parent, kind, name_vi, name_en, valid_from, valid_to in parsed:
        fields = dict(kind=kind, name_vi=name_vi, name_en=name_en, valid_from=valid_from, valid_to=valid_to, **extras[code])
        unit = existing.get(code)
        if unit is None:
            unit = OrgUnit(code=code, **fields)
            created += 1
            created_codes.add(code)
        else:
            changed = any(getattr(unit, k) != v for k, v in fields.items()) or parent != by_id.get(unit.parent_id, "")
            updated += int(changed)
            for k, v in fields.items():
                setattr(unit, k, v)
        unit.path = unit.path or f"/{code}/"
        unit.save()
        existing[code] = unit
    moved = []
    for code, parent in parent_of.items():
        unit = existing[code]
        parent_id = existing[parent].pk if parent else None
        if unit.parent_id != parent_id:
            unit.parent_id = parent_id
            moved.append(unit)
    # Only the units that move: a parent written back unchanged would still make every reader fold again.
    OrgUnit.objects.bulk_update(moved, ["parent"])
    tree_rebuild_paths()
    for code, wanted_codes in preds.items():
        wanted = [existing[c] for c in wanted_codes]
        unit = existing[code]
        if {p.pk for p in wanted} != set(unit.predecessors.values_list("pk", flat=True)):
            unit.predecessors.set(wanted)
            updated += int(code not in created_codes)
    if dry_run:
        transaction.set_rollback(True)
    return {"created": created, "updated": updated, "total": len(parsed)}


def _succession_errors(parsed, preds, existing, parent_of) -> list[RowError]:
    """Check each row's predecessors against the tree as it will be after the import."""
    units = {c: Dates(u.valid_from, u.valid_to) for c, u in existing.items()}
    for _n, code, _p, _k, _vi, _en, valid_from, valid_to in parsed:
        units[code] = Dates(valid_from, valid_to)
    units = {c: Dates(d.valid_from, d.valid_to, parent_of.get(c, "")) for c, d in units.items()}
    graph: dict[str, set[str]] = {}
    codes = {u.pk: c for c, u in existing.items()}
    for succ, pred in OrgUnit.predecessors.through.objects.values_list("from_orgunit_id", "to_orgunit_id"):
        graph.setdefault(codes[succ], set()).add(codes[pred])
    for code, wanted in preds.items():
        graph[code] = set(wanted)
    # Every successor the file touches: its own row, or the row of a predecessor whose dates it changes.
    row_of = {code: n for n, code, *_rest in parsed}
    errors = []
    for code, preds in graph.items():
        n = row_of.get(code) or next((row_of[p] for p in sorted(preds) if p in row_of), None)
        if n is None:
            continue
        for f, message in succession_problems(code=code, dates=units[code], predecessors=sorted(preds), units=units, graph=graph):
            errors.append(RowError(n, f if code in row_of else "valid_to", message))
    return errors


def tree_rebuild_paths() -> None:
    """Recompute every unit's path and depth from the parent links (a few thousand rows: cheap)."""
    units = list(OrgUnit.objects.all().only("id", "code", "parent_id", "path", "depth"))
    by_id = {u.pk: u for u in units}
    memo: dict[int, str] = {}

    def path_of(u):
        if u.pk not in memo:
            memo[u.pk] = (path_of(by_id[u.parent_id]) if u.parent_id else "/") + f"{u.code}/"
        return memo[u.pk]

    changed = []
    for u in units:
        p = path_of(u)
        d = p.count("/") - 2
        if (u.path, u.depth) != (p, d):
            u.path, u.depth = p, d
            changed.append(u)
    OrgUnit.objects.bulk_update(changed, ["path", "depth"], batch_size=500)
