from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from indicators.catalogue import indicators_without_reporter
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


class NoReporterFilter(admin.SimpleListFilter):
    """Indicators that no unit open in the chosen period reports (e.g. district ones after 1/7/2025)."""

    title = _("Chỉ tiêu không có đơn vị báo cáo")
    parameter_name = "no_reporter_in"

    def lookups(self, request, model_admin):
        from indicators.periods import Period, current_period

        now = current_period()
        out = [(f"{p.year}-{p.quarter}", p.label) for y in (now.year, now.year - 1) for p in (Period(y, q) for q in (4, 3, 2, 1))]
        out += [(str(y), _("Năm %(y)s") % {"y": y}) for y in range(now.year, now.year - 10, -1)]
        return out

    def queryset(self, request, queryset):
        from indicators.periods import Period

        value = self.value() or ""
        year, _sep, quarter = value.partition("-")
        if not year.isdigit() or not 2000 <= int(year) <= 2100 or quarter not in ("", "1", "2", "3", "4"):
            return queryset
        if quarter:
            p = Period(int(year), int(quarter))
            start, end = p.calendar_start, p.calendar_end
        else:
            start, end = Period(int(year), 1).calendar_start, Period(int(year), 4).calendar_end
        return queryset.filter(pk__in=indicators_without_reporter(start, end).values("pk"))


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
        "reported_by",
        "is_active",
    ]
    list_filter = [NoReporterFilter, "section", "group", "value_type", "is_active"]
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
