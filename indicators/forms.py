"""The quarterly entry form and the review forms.

The form reads numbers the way the active locale writes them (`1.741`, `85,93` in Vietnamese; see
`indicators.cells.parse_typed`) and checks every cell of the form in one pass with the same rules
`indicators.services.values_save` applies (`indicators.cells.cell_clean`), so that a user sees every
mistake at once, each echoing what was typed. What only the service can know (locks, versions,
permissions) comes back from it and is put next to its field too.
"""

from dataclasses import dataclass, field
from types import SimpleNamespace

from django import forms
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators import workflow
from indicators.cells import cell_clean, parse_typed
from indicators.entry import FormCell, cell_display, fingerprint, number_display
from indicators.models import Channel
from indicators.quality import quality_warnings
from indicators.services import NotAllowed, ValueRow, VersionConflict, values_save
from reform_portal.file_limits import FileRefused, Limits, check_size
from reform_portal.tabular import RowsInvalid


def _number_field(label: str, *, part: str, code: str) -> forms.CharField:
    # Text, not a DecimalField: the form reads it (parse_typed) so that "mười" or "2,5" is one error among
    # all the others of the form, not a field error that hides the rest.
    return forms.CharField(
        label=label,
        required=False,
        strip=True,
        max_length=40,
        widget=forms.TextInput(
            attrs={
                "inputmode": "decimal",
                "autocomplete": "off",
                "class": "num",
                "size": 10,
                "data-code": code,
                "data-part": part,
            }
        ),
    )


def _shown(d) -> str:
    return "" if d is None else number_display(d)


@dataclass
class SaveOutcome:
    saved: int = 0
    submitted: bool = False
    needs_ack: bool = False  # saved, but warnings must be acknowledged before submitting
    warnings: list = field(default_factory=list)


class EntryForm(forms.Form):
    """One field set per indicator: value (or numerator and denominator), note, and two hidden fields
    holding the version and content the page showed, so that only changed cells are written and a
    newer value saved meanwhile by someone else is never overwritten unnoticed."""

    def __init__(self, data=None, *, cells: list[FormCell], **kwargs):
        super().__init__(data, **kwargs)
        self.cells = cells
        self.conflicts: dict[str, dict] = {}
        for c in cells:
            code, ind, cur = c.code, c.indicator, c.current
            if c.is_ratio:
                self.fields[f"n-{code}"] = _number_field(_("%(name)s — tử số") % {"name": ind.name}, part="numerator", code=code)
                self.fields[f"d-{code}"] = _number_field(
                    _("%(name)s — mẫu số") % {"name": ind.name}, part="denominator", code=code
                )
                if cur:
                    self.initial[f"n-{code}"] = _shown(cur.numerator)
                    self.initial[f"d-{code}"] = _shown(cur.denominator)
            else:
                self.fields[f"v-{code}"] = _number_field(ind.name, part="value", code=code)
                if cur and cur.value is not None:
                    self.initial[f"v-{code}"] = _shown(cur.value)
            self.fields[f"note-{code}"] = forms.CharField(
                label=_("Ghi chú: %(name)s") % {"name": ind.name},
                required=False,
                strip=True,
                widget=forms.TextInput(attrs={"class": "note", "autocomplete": "off", "data-code": code, "data-part": "note"}),
            )
            self.fields[f"ver-{code}"] = forms.IntegerField(required=False, widget=forms.HiddenInput)
            self.fields[f"was-{code}"] = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)
            self.initial[f"note-{code}"] = cur.note if cur else ""
            self.initial[f"ver-{code}"] = c.version
            self.initial[f"was-{code}"] = c.fingerprint
        self._attach_inputs()

    def _attach_inputs(self) -> None:
        """Give each cell its bound fields, so the template can lay the form out by part and group."""
        for c in self.cells:
            code = c.code
            main = self[f"n-{code}"] if c.is_ratio else self[f"v-{code}"]
            c.inputs = SimpleNamespace(
                main=main,
                value=None if c.is_ratio else main,
                numerator=self[f"n-{code}"] if c.is_ratio else None,
                denominator=self[f"d-{code}"] if c.is_ratio else None,
                note=self[f"note-{code}"],
                version=self[f"ver-{code}"],
                was=self[f"was-{code}"],
            )
            c.conflict = None

    # -- reading -------------------------------------------------------------------------------

    def clean(self):
        """Read every number and check every cell with the service's rules: all the form's errors at once."""
        data = super().clean()
        self._cells: dict[str, dict] = {}
        for c in self.cells:
            parts = ("numerator", "denominator") if c.is_ratio else ("value",)
            names = {part: self._field_for(c, part) for part in parts}
            typed = {part: (data.get(name) or "") for part, name in names.items()}
            read = {part: parse_typed(typed[part], percent=c.is_percent) for part in parts}
            errors = []
            cell = cell_clean(indicator=c.indicator, note=data.get(f"note-{c.code}") or "", errors=errors, typed=typed, **read)
            for e in errors:
                self.add_error(self._field_for(c, e.field), e.message)
            if not errors:
                self._cells[c.code] = cell or {"value": None, "numerator": None, "denominator": None, "note": ""}
        return data

    def _cell(self, c: FormCell) -> dict:
        return self._cells[c.code]

    def rows(self, *, unit, period) -> list[ValueRow]:
        """Rows for values_save: the cells whose content differs from what the page showed."""
        rows = []
        for n, c in enumerate(self.cells, start=1):
            cell = self._cell(c)
            was = self.cleaned_data.get(f"was-{c.code}")
            if was is not None and fingerprint(cell["value"], cell["numerator"], cell["denominator"], cell["note"]) == was:
                continue
            version = self.cleaned_data.get(f"ver-{c.code}")
            rows.append(
                ValueRow(
                    org_unit=unit.code,
                    indicator=c.code,
                    year=period.year,
                    quarter=period.quarter,
                    value=cell["value"],
                    numerator=cell["numerator"],
                    denominator=cell["denominator"],
                    note=cell["note"] or "",
                    # The form has no as-of input: a figure keeps the day it was counted (set by an import).
                    as_of=getattr(c.current, "as_of", None),
                    version=version if version is not None else c.version,
                    row=n,
                )
            )
        return rows

    def entered_cells(self) -> dict[str, dict]:
        """What the form holds now, by indicator code, for the quality checks."""
        out = {}
        for c in self.cells:
            cell = self._cell(c)
            if cell["value"] is not None or (cell["numerator"] is not None and cell["denominator"] is not None):
                out[c.code] = cell
        return out

    # -- errors from the service ---------------------------------------------------------------

    def _field_for(self, c: FormCell, service_field: str) -> str | None:
        if service_field == "note":
            return f"note-{c.code}"
        if c.is_ratio:
            return f"d-{c.code}" if service_field == "denominator" else f"n-{c.code}"
        return f"v-{c.code}" if service_field in ("value", "numerator", "denominator") else None

    def add_row_errors(self, errors) -> None:
        for e in errors:
            c = self.cells[e.row - 1] if e.row and 0 < e.row <= len(self.cells) else None
            name = self._field_for(c, e.field) if c else None
            if name:
                self.add_error(name, str(e.message))
            else:
                self.add_error(None, str(e.message))

    def add_conflicts(self, conflicts: list[dict]) -> None:
        """Show the newer value next to each conflicting cell, keep what the user typed, and take the
        newer version as read: saving again then overwrites it knowingly."""
        self.data = self.data.copy()
        for conflict in conflicts:
            c = self.cells[conflict["row"] - 1]
            current = conflict["current"]
            shown = cell_display(current, percent=c.is_percent) if current else _("(đã bị xóa)")
            self.conflicts[c.code] = c.conflict = {**conflict, "shown": shown}
            who = conflict.get("updated_by") or _("người khác")
            self.add_error(
                self._field_for(c, "value"),
                _(
                    "%(who)s vừa lưu giá trị mới cho ô này: %(v)s. Số bạn nhập vẫn được giữ; bấm «Lưu» lần nữa để ghi đè, "
                    "hoặc tải lại trang để dùng số mới."
                )
                % {"who": who, "v": shown},
            )
            self.data[f"ver-{c.code}"] = str(conflict["current_version"])
            if current:
                self.data[f"was-{c.code}"] = fingerprint(
                    current["value"], current["numerator"], current["denominator"], current["note"]
                )
            else:
                self.data[f"was-{c.code}"] = fingerprint(None, None, None, "")

    # -- writing -------------------------------------------------------------------------------

    def save(self, *, unit, period, by, submit: bool = False, acknowledged: bool = False) -> SaveOutcome | None:
        """Save the changed cells (all or none) and, when asked, submit the quarter in the same transaction.

        Returns None when the service refused: its errors are then on the form and nothing was saved.
        Submitting with data-quality warnings needs `acknowledged`; without it the values are saved
        and the outcome asks for the acknowledgement.
        """
        if not self.is_valid():
            return None
        rows = self.rows(unit=unit, period=period)
        outcome = SaveOutcome()
        try:
            with transaction.atomic():
                result = values_save(rows=rows, by=by, channel=Channel.FORM)
                outcome.saved = result.changed
                if submit:
                    outcome.warnings = quality_warnings(
                        unit=unit, period=period, cells=self.entered_cells(), indicators=[c.indicator for c in self.cells]
                    )
                    if outcome.warnings and not acknowledged:
                        outcome.needs_ack = True
                    else:
                        workflow.submission_submit(org_unit=unit, year=period.year, quarter=period.quarter, by=by)
                        outcome.submitted = True
        except RowsInvalid as exc:
            self.add_row_errors(exc.errors)
            return None
        except NotAllowed as exc:
            raise PermissionDenied(str(exc))
        except VersionConflict as exc:
            self.add_conflicts(exc.conflicts)
            return None
        except workflow.WorkflowError as exc:
            self.add_error(None, str(exc))
            return None
        return outcome


class ReviewActionForm(forms.Form):
    comment = forms.CharField(label=gettext_lazy("Ý kiến"), required=False, max_length=2000, widget=forms.Textarea)


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Tệp Excel (.xlsx) hoặc CSV"),
        error_messages={"required": gettext_lazy("Chọn tệp cần tải lên."), "empty": gettext_lazy("Tệp rỗng.")},
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        # Refused before it is read: Django has spooled a large upload to disk, not memory.
        f = self.cleaned_data["file"]
        try:
            check_size(f.size, Limits.from_settings())
        except FileRefused as exc:
            raise forms.ValidationError(str(exc)) from None
        return f
