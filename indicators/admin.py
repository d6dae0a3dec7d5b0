from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from indicators.models import DataValue, Indicator, IndicatorGroup, Reminder, Submission, SubmissionEvent, ValueChange
from indicators.services import INDICATOR_COLUMNS


@admin.register(IndicatorGroup)
class IndicatorGroupAdmin(admin.ModelAdmin):
    list_display = ["code", "section", "order", "name_vi"]
    list_filter = ["section"]


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = Indicator
        fields = [*INDICATOR_COLUMNS, "is_active"]

    def clean_value_type(self):
        # Stored values are shaped by the type (a value, or numerator/denominator): keep them valid.
        new = self.cleaned_data["value_type"]
        if self.instance.pk and new != self.instance.value_type and DataValue.objects.filter(indicator=self.instance).exists():
            raise forms.ValidationError(_("Chỉ tiêu đã có số liệu nên không thể đổi kiểu giá trị; hãy tạo chỉ tiêu mới."))
        return new


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    form = IndicatorForm
    list_display = [
        "code",
        "section",
        "group",
        "order",
        "name_vi",
        "value_type",
        "time_aggregation",
        "unit_aggregation",
        "is_active",
    ]
    list_filter = ["section", "group", "value_type", "is_active"]
    search_fields = ["code", "name_vi", "name_en"]
    list_select_related = ["group"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Official figures change only through indicators.services, which audits every change."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DataValue)
class DataValueAdmin(ReadOnlyAdmin):
    list_display = [
        "indicator",
        "org_unit",
        "year",
        "quarter",
        "value",
        "numerator",
        "denominator",
        "version",
        "updated_by",
        "updated_at",
    ]
    list_filter = ["year", "quarter", "indicator__section", "org_unit__kind"]
    search_fields = ["indicator__code", "org_unit__code"]
    list_select_related = ["indicator", "org_unit", "updated_by"]


@admin.register(ValueChange)
class ValueChangeAdmin(ReadOnlyAdmin):
    list_display = ["changed_at", "changed_by", "channel", "indicator", "org_unit", "year", "quarter", "old", "new"]
    list_filter = ["channel", "year"]
    search_fields = ["indicator__code", "org_unit__code", "changed_by__username"]
    list_select_related = ["indicator", "org_unit", "changed_by"]


class SubmissionEventInline(admin.TabularInline):
    model = SubmissionEvent
    extra = 0
    can_delete = False
    readonly_fields = ["action", "from_status", "to_status", "comment", "by", "at", "channel"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = ["org_unit", "year", "quarter", "status", "submitted_at", "reviewed_at"]
    list_filter = ["status", "year", "quarter"]
    search_fields = ["org_unit__code", "org_unit__name_vi"]
    list_select_related = ["org_unit"]
    inlines = [SubmissionEventInline]


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """The reminder log: read-only (it is what stops a second mail)."""

    list_display = ["sent_at", "org_unit", "year", "quarter", "kind", "email", "sent_by"]
    list_filter = ["kind", "year", "quarter"]
    search_fields = ["org_unit__code", "email"]
    list_select_related = ["org_unit", "sent_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
