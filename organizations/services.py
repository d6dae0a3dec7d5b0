"""Writes to the unit tree. The tree's materialised path is kept here and only here."""

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from organizations.models import OrgUnit, UnitKind
from reform_portal.tabular import LINE, RowError, RowsInvalid

UNIT_COLUMNS = ["code", "parent", "kind", "name_vi", "name_en", "valid_from", "valid_to", "abbreviation"]


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
    """Add or update units by code, all or nothing. Parents may come later in the file."""
    errors: list[RowError] = []
    existing = {u.code: u for u in OrgUnit.objects.all()}
    seen: dict[str, int] = {}
    parsed = []
    extras: dict[str, dict] = {}
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
    if errors:
        raise RowsInvalid(sorted(set(errors), key=lambda e: (e.row or 0, e.field)))

    created = updated = 0
    for _n, code, parent, kind, name_vi, name_en, valid_from, valid_to in parsed:
        fields = dict(kind=kind, name_vi=name_vi, name_en=name_en, valid_from=valid_from, valid_to=valid_to, **extras[code])
        unit = existing.get(code)
        if unit is None:
            unit = OrgUnit(code=code, **fields)
            created += 1
        else:
            changed = any(getattr(unit, k) != v for k, v in fields.items()) or parent != by_id.get(unit.parent_id, "")
            updated += int(changed)
            for k, v in fields.items():
                setattr(unit, k, v)
        unit.path = unit.path or f"/{code}/"
        unit.save()
        existing[code] = unit
    for code, parent in parent_of.items():
        unit = existing[code]
        unit.parent = existing[parent] if parent else None
    OrgUnit.objects.bulk_update([existing[c] for c in parent_of], ["parent"])
    tree_rebuild_paths()
    if dry_run:
        transaction.set_rollback(True)
    return {"created": created, "updated": updated, "total": len(parsed)}


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
