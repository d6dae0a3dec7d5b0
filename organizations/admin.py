from django.contrib import admin

from organizations.models import Membership, OrgUnit
from organizations.services import tree_rebuild_paths


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name_vi", "kind", "parent", "valid_from", "valid_to"]
    list_filter = ["kind"]
    search_fields = ["code", "name_vi", "name_en"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["path"]
    inlines = [MembershipInline]
    list_select_related = ["parent"]

    def save_model(self, request, obj, form, change):
        obj.path = obj.path or f"/{obj.code}/"
        super().save_model(request, obj, form, change)
        tree_rebuild_paths()  # a new parent or code moves the subtree


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "org_unit", "role"]
    list_filter = ["role"]
    search_fields = ["user__username", "org_unit__code", "org_unit__name_vi"]
    autocomplete_fields = ["user", "org_unit"]
    list_select_related = ["user", "org_unit"]
