from django.contrib import admin

from reports.models import Directive, Narrative


@admin.register(Narrative)
class NarrativeAdmin(admin.ModelAdmin):
    list_display = ["org_unit", "year", "title", "published", "updated_at"]
    list_filter = ["year", "published"]
    autocomplete_fields = ["org_unit"]


@admin.register(Directive)
class DirectiveAdmin(admin.ModelAdmin):
    list_display = ["year", "part", "order", "kind", "number", "issued_on", "issuer", "title"]
    list_filter = ["year", "part", "kind"]
    search_fields = ["number", "title"]
    autocomplete_fields = ["org_unit"]
