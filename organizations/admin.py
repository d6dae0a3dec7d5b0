from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from organizations import access
from organizations.models import Membership, OrgUnit, Role
from organizations.services import tree_rebuild_paths
from organizations.succession import Dates, succession_problems


class MembershipInline(admin.TabularInline):
    """Roles on the unit's page: administrators only (reviewers use the membership list, limited there)."""

    model = Membership
    extra = 0
    autocomplete_fields = ["user"]

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission


class OrgUnitForm(forms.ModelForm):
    class Meta:
        model = OrgUnit
        fields = ["code", "name_vi", "name_en", "kind", "parent", "valid_from", "valid_to", "abbreviation", "predecessors"]

    def clean(self):
        """The same succession checks as import_org_units, on the unit as the form would save it."""
        data = super().clean()
        code = data.get("code") or self.instance.code
        if not code:
            return data
        others = OrgUnit.objects.exclude(pk=self.instance.pk) if self.instance.pk else OrgUnit.objects.all()
        units = {
            u.code: Dates(u.valid_from, u.valid_to, u.parent.code if u.parent else "") for u in others.select_related("parent")
        }
        # A reviewer's form has no parent field (read-only for them): the unit keeps its parent.
        parent = data.get("parent") if "parent" in data else (self.instance.parent if self.instance.pk else None)
        units[code] = Dates(data.get("valid_from"), data.get("valid_to"), parent.code if parent else "")
        by_id = {u.pk: u.code for u in OrgUnit.objects.only("pk", "code")}
        graph: dict[str, set[str]] = {}
        for succ, pred in OrgUnit.predecessors.through.objects.values_list("from_orgunit_id", "to_orgunit_id"):
            graph.setdefault(by_id[succ], set()).add(by_id[pred])
        old_code = self.instance.code if self.instance.pk else code
        graph.pop(old_code, None)
        graph = {s: {code if p == old_code else p for p in ps} for s, ps in graph.items()}
        graph[code] = {p.code for p in data.get("predecessors") or []}
        # This unit as a successor, and as the predecessor of units that succeeded it (its dates may have moved).
        touched = [code] + [s for s, ps in graph.items() if code in ps]
        for unit_code in touched:
            for field, message in succession_problems(
                code=unit_code, dates=units[unit_code], predecessors=sorted(graph[unit_code]), units=units, graph=graph
            ):
                self.add_error(field if unit_code == code else "valid_to", message)
        return data


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    form = OrgUnitForm
    list_display = ["code", "name_vi", "kind", "parent", "valid_from", "valid_to", "predecessor_codes"]
    list_filter = ["kind"]
    search_fields = ["code", "name_vi", "name_en"]
    autocomplete_fields = ["parent", "predecessors"]
    readonly_fields = ["path"]
    inlines = [MembershipInline]
    list_select_related = ["parent"]

    def get_readonly_fields(self, request, obj=None):
        # Moving a unit or renaming its code changes whose subtree it is in: administrators only.
        if request.user.is_superuser:
            return self.readonly_fields
        return [*self.readonly_fields, "code", "parent"] if obj else self.readonly_fields

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("predecessors")

    @admin.display(description=_("đơn vị tiền thân"))
    def predecessor_codes(self, obj):
        return ", ".join(p.code for p in obj.predecessors.all()) or "—"

    def save_model(self, request, obj, form, change):
        obj.path = obj.path or f"/{obj.code}/"
        super().save_model(request, obj, form, change)
        tree_rebuild_paths()  # a new parent or code moves the subtree


class MembershipForm(forms.ModelForm):
    """Checks, for the person saving, `access.can_manage_membership` on the membership as it will be."""

    class Meta:
        model = Membership
        fields = ["user", "org_unit", "role"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean(self):
        data = super().clean()
        unit, role, member = data.get("org_unit"), data.get("role"), data.get("user")
        if (
            self.request
            and unit
            and role
            and not access.can_manage_membership(self.request.user, unit=unit, role=role, member=member)
        ):
            raise forms.ValidationError(
                _(
                    "Cán bộ thẩm định chỉ được phân quyền nhập liệu cho người khác, tại các đơn vị mình thẩm định; "
                    "không tự phân quyền cho mình và không cấp quyền thẩm định hay lãnh đạo."
                )
            )
        return data


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "org_unit", "role"]
    list_filter = ["role"]
    search_fields = ["user__username", "org_unit__code", "org_unit__name_vi"]
    autocomplete_fields = ["user", "org_unit"]
    list_select_related = ["user", "org_unit"]
    form = MembershipForm

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        class WithRequest(form):
            def __init__(self, *args, **kw):
                super().__init__(*args, request=request, **kw)

        return WithRequest

    def get_queryset(self, request):
        """A reviewer sees and edits only the clerks of their own subtree (never their own roles)."""
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        units = OrgUnit.objects.none()
        for root in access.review_roots(request.user):
            units = units | OrgUnit.objects.subtree_of(root)
        return qs.filter(org_unit__in=units, role=Role.CLERK).exclude(user=request.user)
