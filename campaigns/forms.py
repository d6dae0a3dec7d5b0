"""Browser forms of the activity log. They only read what was typed; campaigns.services checks it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.models import ActivityKind, ActivityTopic
from campaigns.services import ActivityRow


def _num():
    return forms.CharField(
        required=False, widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "num", "size": 8, "autocomplete": "off"})
    )


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Loại hoạt động"), choices=ActivityKind.choices)
    topic = forms.ChoiceField(label=_("Chủ đề"), choices=ActivityTopic.choices, initial=ActivityTopic.GENERAL)
    date = forms.CharField(
        label=_("Ngày (dd/mm/yyyy)"),
        widget=forms.TextInput(attrs={"placeholder": "dd/mm/yyyy", "size": 11, "autocomplete": "off"}),
    )
    end_date = forms.CharField(
        label=_("Đến ngày"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "dd/mm/yyyy", "size": 11, "autocomplete": "off"}),
    )
    title = forms.CharField(label=_("Tên, chủ đề"), max_length=300)
    outlet = forms.CharField(label=_("Kênh, cơ quan đăng phát"), required=False, max_length=200)
    place = forms.CharField(label=_("Địa điểm"), required=False, max_length=200)
    quantity = _num()
    participants = _num()
    citizens = _num()
    businesses = _num()
    officials = _num()
    campaign = forms.ChoiceField(label=_("Thuộc kế hoạch"), required=False)
    url = forms.CharField(label=_("Đường dẫn"), required=False, max_length=500)
    note = forms.CharField(label=_("Ghi chú"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, campaigns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quantity"].label = _("Số lượng (tờ, kỳ, bài…)")
        self.fields["participants"].label = _("Số người tham dự")
        self.fields["citizens"].label = _("trong đó người dân")
        self.fields["businesses"].label = _("doanh nghiệp")
        self.fields["officials"].label = _("cán bộ, công chức")
        self.fields["campaign"].choices = [("", "—")] + [(str(c.pk), f"{c.number} — {c.title[:60]}") for c in campaigns]

    def row(self, *, unit, activity_id=None) -> ActivityRow:
        d = self.cleaned_data
        return ActivityRow(
            org_unit=unit.code,
            id=activity_id,
            row=1,
            **{k: d.get(k) or "" for k in ActivityRow.FIELDS if k != "org_unit"},
        )

    def add_row_errors(self, errors) -> None:
        for e in errors:
            self.add_error(e.field if e.field in self.fields else None, str(e.message))


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("Tệp (PDF, ảnh, Word, Excel)"), required=False)
    url = forms.CharField(label=_("hoặc đường dẫn"), required=False, max_length=500)
    description = forms.CharField(label=_("Mô tả"), required=False, max_length=300)
    target = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self):
        d = super().clean()
        if not d.get("file") and not (d.get("url") or "").strip():
            raise forms.ValidationError(_("Chọn một tệp hoặc nhập một đường dẫn."))
        return d
