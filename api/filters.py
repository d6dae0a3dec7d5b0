"""Query parameters of the list endpoints. Unknown codes are an error, not an empty list.

Catalogue codes (indicators, groups) are enumerated in the schema, so an
unknown one is bad input (400). Unit parameters only accept units the caller
may read (organizations.access): a foreign unit looks exactly like an unknown
one, a 404, as everywhere else in the portal.
"""

import copy

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field

from api.exceptions import UnknownUnit
from api.selectors import visible_units
from campaigns.models import Campaign
from indicators.models import DataValue, Indicator, IndicatorGroup, Section, Submission, SubmissionStatus, ValueType
from indicators.periods import YEAR_MAX, YEAR_MIN, Quarter
from organizations.models import OrgUnit, UnitKind


@extend_schema_field({"type": "integer", "minimum": YEAR_MIN, "maximum": YEAR_MAX})
class YearFilter(filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", YEAR_MIN)
        kwargs.setdefault("max_value", YEAR_MAX)
        kwargs.setdefault("help_text", f"{YEAR_MIN}–{YEAR_MAX}")
        super().__init__(*args, **kwargs)


# The largest id a bigint primary key holds: a larger one matches nothing, and the schema says so rather than
# documenting any number (schemathesis sent 3.4e155, which the decimal field of NumberFilter refused).
ID_MAX = 2**63 - 1


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": ID_MAX})
class IdFilter(filters.NumberFilter):
    """A row's id: a whole number from 1, so `?campaign=1.5` is an error, not a silent miss."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(*args, **kwargs)


class StrictBooleanField(forms.Field):
    """true/false (or 1/0); anything else is an error, not silently ignored."""

    def to_python(self, value):
        text = str(value or "").strip().lower()
        if text in ("", "none"):
            return None
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise forms.ValidationError(_("Phải là true hoặc false."), code="invalid")


class BooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(*args, **kwargs)


class UnitFilter(filters.CharFilter):
    """A unit code the caller may read, else a 404 naming the parameter (unknown and foreign alike)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 40)
        super().__init__(*args, **kwargs)

    def unit(self, code: str) -> OrgUnit:
        unit = visible_units(self.parent.request.user).filter(code=code).first()
        if unit is None:
            raise UnknownUnit(self.field_name, code)
        return unit


class UnitSubtreeMixin(filters.FilterSet):
    """`org_unit=CODE`, and with `include_descendants=true` every unit below it too."""

    org_unit = UnitFilter(method="filter_org_unit", help_text="Mã đơn vị (phải là đơn vị bạn được xem).")
    include_descendants = BooleanFilter(method="filter_nothing", help_text="Kèm mọi đơn vị cấp dưới của org_unit.")

    def filter_org_unit(self, queryset, name, code):
        unit = self.filters["org_unit"].unit(code)
        if self.form.cleaned_data.get("include_descendants"):
            return queryset.filter(org_unit__path__startswith=unit.path)
        return queryset.filter(org_unit=unit)

    def filter_nothing(self, queryset, name, value):
        return queryset  # read by filter_org_unit


class BuiltOnce(filters.FilterSet):
    """A filter set whose form class is built once per class, and whose filters' querysets are shared.

    django-filter builds a new form class (a new form field per filter) and deep-copies
    every filter, catalogue querysets included, on each request: most of the fixed cost
    of a small page. None of it depends on the request here (the unit filter reads the
    request through `parent`, the only attribute set per instance), so the form class is
    kept and each filter is copied shallowly: its field and querysets are shared, as
    nothing changes them after the class is built.
    """

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        # BaseFilterSet.__init__, with a deepcopy that leaves the querysets alone (no super(): it would copy them).
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound, self.data = data is not None, data or QueryDict()
        self.queryset, self.request, self.form_prefix = queryset, request, prefix
        self.filters = {name: copy.copy(f) for name, f in self.base_filters.items()}
        for f in self.filters.values():
            f.model, f.parent = queryset.model, self
            if f.method is not None:
                f.method = f.method  # binds a FilterMethod to this copy (the class's one knows no parent)

    def get_form_class(self):
        cls = type(self)
        form = cls.__dict__.get("_form_class")
        if form is None:
            form = super().get_form_class()
            form.base_fields = _SharedFields(form.base_fields)
            cls._form_class = form
        return form


class _SharedFields(dict):
    """A form class's fields, which each form instance deep-copies (~0.5 ms of a small API page): here they
    are copied shallowly, sharing their widgets, validators and querysets, which nothing changes per request."""

    def __deepcopy__(self, memo):
        return {name: copy.copy(field) for name, field in self.items()}


class ValueFilter(BuiltOnce, UnitSubtreeMixin):
    indicator = filters.ModelChoiceFilter(queryset=Indicator.objects.all(), to_field_name="code", help_text="Mã chỉ tiêu.")
    year = YearFilter()
    quarter = filters.TypedChoiceFilter(choices=Quarter.choices, coerce=int)
    section = filters.ChoiceFilter(field_name="indicator__section", choices=Section.choices)
    group = filters.ModelChoiceFilter(
        field_name="indicator__group", queryset=IndicatorGroup.objects.all(), to_field_name="code", help_text="Mã nhóm chỉ tiêu."
    )
    updated_since = filters.IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text="Chỉ các số liệu thay đổi từ thời điểm này (ISO 8601)."
    )

    class Meta:
        model = DataValue
        fields = []


class SubmissionFilter(UnitSubtreeMixin):
    year = YearFilter()
    quarter = filters.TypedChoiceFilter(choices=Quarter.choices, coerce=int)
    status = filters.ChoiceFilter(choices=SubmissionStatus.choices)

    class Meta:
        model = Submission
        fields = []


class OrgUnitFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=UnitKind.choices)
    parent = UnitFilter(method="filter_parent", help_text="Mã đơn vị cấp trên.")
    active_on = filters.DateFilter(method="filter_active_on", help_text="Chỉ các đơn vị còn hiệu lực vào ngày này (YYYY-MM-DD).")

    class Meta:
        model = OrgUnit
        fields = []

    def filter_parent(self, queryset, name, code):
        return queryset.filter(parent=self.filters["parent"].unit(code))

    def filter_active_on(self, queryset, name, day):
        return queryset.active_on(day)


class IndicatorFilter(filters.FilterSet):
    section = filters.ChoiceFilter(choices=Section.choices)
    group = filters.ModelChoiceFilter(queryset=IndicatorGroup.objects.all(), to_field_name="code")
    value_type = filters.ChoiceFilter(choices=ValueType.choices)
    is_active = BooleanFilter()
    reported_by = filters.ChoiceFilter(
        choices=UnitKind.choices, method="filter_reported_by", help_text="Loại đơn vị báo cáo chỉ tiêu."
    )

    class Meta:
        model = Indicator
        fields = []

    def filter_reported_by(self, queryset, name, kind):
        return queryset.reported_by(kind)


class CampaignFilter(filters.FilterSet):
    year = YearFilter()

    class Meta:
        model = Campaign
        fields = []
