from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination


class StrictPageSize:
    """`page_size` must be a whole number ≥ 1 (DRF would silently ignore `page_size=abc`);
    a larger one than the maximum gets the maximum, as the schema says."""

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or int(raw) < 1:
            raise exceptions.ValidationError({self.page_size_query_param: [_("Phải là số nguyên từ 1 trở lên.")]})
        return min(int(raw), self.max_page_size)

    def get_schema_operation_parameters(self, view):
        params = super().get_schema_operation_parameters(view)
        for p in params:
            if p["name"] == self.page_size_query_param:
                p["schema"] = {"type": "integer", "minimum": 1}
                p["description"] = _("Số dòng một trang (tối đa %(n)s).") % {"n": self.max_page_size}
            elif p["name"] == getattr(self, "page_query_param", None):
                p["schema"] = {"type": "integer", "minimum": 1}
        return params


class PageNumberPagination(StrictPageSize, pagination.PageNumberPagination):
    """Catalogues and submissions: `?page=2&page_size=200` (at most 1000 a page)."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class ValueCursorPagination(StrictPageSize, pagination.CursorPagination):
    """Values: an opaque cursor instead of page numbers, so a large export never counts the table
    and never skips or repeats a row when values are added while it runs.

    Ordered by id; with `?year=` the (year, id) index serves each page.
    """

    ordering = "id"
    page_size = 500
    page_size_query_param = "page_size"
    max_page_size = 5000

    def _get_position_from_instance(self, instance, ordering):
        # The values list pages plain tuples, id first (api.selectors.VALUE_COLUMNS): the position is the id.
        if isinstance(instance, tuple):
            return str(instance[0])
        return super()._get_position_from_instance(instance, ordering)

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        next_link = self.get_next_link()
        if next_link:
            response["Link"] = f'<{next_link}>; rel="next"'
        return response
