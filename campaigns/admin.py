from django.contrib import admin

from campaigns.models import Activity, Campaign, Evidence, KindIndicator, Target


class TargetInline(admin.TabularInline):
    model = Target
    extra = 1
    autocomplete_fields = ["indicator"]


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["number", "year", "title", "lead_unit", "scope_unit"]
    list_filter = ["year"]
    search_fields = ["number", "title"]
    autocomplete_fields = ["lead_unit", "scope_unit"]
    inlines = [TargetInline]


@admin.register(KindIndicator)
class KindIndicatorAdmin(admin.ModelAdmin):
    """Reviewers decide here which indicator each kind of activity feeds, and with what."""

    list_display = ["kind", "topic", "indicator", "measure"]
    list_filter = ["kind", "measure"]
    autocomplete_fields = ["indicator"]


class EvidenceInline(admin.TabularInline):
    model = Evidence
    fk_name = "activity"
    extra = 0
    fields = ["name", "url", "content_type", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = fields
    can_delete = False


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    """Read-only here: the log is written through campaigns.services (pages, import, API) so that it is audited and locks with its quarter."""

    list_display = ["date", "org_unit", "kind", "title", "quantity", "participants", "year", "quarter"]
    list_filter = ["kind", "year", "quarter"]
    search_fields = ["title", "org_unit__code"]
    inlines = [EvidenceInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
