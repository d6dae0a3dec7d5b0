from django.contrib import admin

from campaigns.models import Campaign, Target


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
