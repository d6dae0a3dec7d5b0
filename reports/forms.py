from django import forms
from django.utils.translation import gettext_lazy as _

from indicators.models import Indicator
from reports import narrative as nv
from reports.models import Directive, Narrative

TEXT_FIELDS = [
    "intro_a",
    "results_a",
    "strengths_a",
    "limitations_a",
    "recommendations_a",
    "intro_b",
    "results_b",
    "strengths_b",
    "limitations_b",
    "recommendations_b",
]


class NarrativeForm(forms.ModelForm):
    """The words of a year's report. Figures are `{{ code }}` placeholders, checked against the catalogue."""

    class Meta:
        model = Narrative
        fields = [
            "title",
            "issuer",
            "document_number",
            "place",
            "issued_on",
            *TEXT_FIELDS,
            "signer_title",
            "signer_name",
            "recipients",
        ]
        widgets = {
            **{name: forms.Textarea(attrs={"rows": 5}) for name in TEXT_FIELDS},
            "signer_title": forms.Textarea(attrs={"rows": 2}),
            "recipients": forms.Textarea(attrs={"rows": 4}),
            "issued_on": forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._codes = set(Indicator.objects.values_list("code", flat=True))

    def _bound(self, names):
        return [self[n] for n in names]

    def heading_fields(self):
        return self._bound(["title", "issuer", "document_number", "place", "issued_on"])

    def part_a_fields(self):
        return self._bound([n for n in TEXT_FIELDS if n.endswith("_a")])

    def part_b_fields(self):
        return self._bound([n for n in TEXT_FIELDS if n.endswith("_b")])

    def signer_fields(self):
        return self._bound(["signer_title", "signer_name", "recipients"])

    def clean(self):
        data = super().clean()
        for name in [*TEXT_FIELDS, "title"]:
            for message in nv.placeholder_errors(data.get(name) or "", self._codes):
                self.add_error(name, message)
        return data


class DirectiveForm(forms.ModelForm):
    class Meta:
        model = Directive
        fields = ["part", "order", "kind", "number", "issued_on", "issuer", "title"]
        widgets = {
            "title": forms.Textarea(attrs={"rows": 2}),
            "issued_on": forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"}),
            "order": forms.NumberInput(attrs={"min": 0, "class": "order-input"}),
        }


DirectiveFormSet = forms.modelformset_factory(Directive, form=DirectiveForm, extra=2, can_delete=True)


def directive_formset(*, org_unit, year, data=None) -> forms.BaseModelFormSet:
    return DirectiveFormSet(data=data, queryset=Directive.objects.filter(org_unit=org_unit, year=year), prefix="directives")


PLACEHOLDER_HELP = _(
    "Số liệu trong lời văn: gõ {{ mã_chỉ_tiêu }} (ví dụ {{ online_dossiers }}); {{ mã|percent }} cho tỷ lệ, "
    "{{ mã|plan }} cho tỷ lệ đạt kế hoạch. Mỗi dòng là một đoạn."
)
