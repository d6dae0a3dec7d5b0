from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """Catalogues and submissions: `?page=2&page_size=200` (at most 1000 a page)."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class ValueCursorPagination(pagination.CursorPagination):
    """Values: an opaque cursor instead of page numbers, so a large export never counts the table
    and never skips or repeats a row when values are added while it runs.

    Ordered by id; with `?year=` the (year, id) index serves each page.
    """

    ordering = "id"
    page_size = 500
    page_size_query_param = "page_size"
    max_page_size = 5000

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        next_link = self.get_next_link()
        if next_link:
            response["Link"] = f'<{next_link}>; rel="next"'
        return response
