"""Error pages: the portal's layout for people, the API's JSON shape for programs.

Django calls these for any 400/403/404/500 that a view does not answer
itself (reform_portal.urls names them). The 500 page is rendered without
the request's context processors, so it needs no database: it must work
when the database is what failed.
"""

from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

PAGES = {
    400: (
        gettext_lazy("Yêu cầu không hợp lệ"),
        gettext_lazy("Trang không hiểu được yêu cầu này. Hãy kiểm tra lại địa chỉ hoặc dữ liệu đã gửi."),
    ),
    403: (
        gettext_lazy("Không có quyền truy cập"),
        gettext_lazy("Tài khoản của bạn không được mở trang này hoặc thực hiện thao tác này."),
    ),
    404: (gettext_lazy("Không tìm thấy trang"), gettext_lazy("Trang bạn tìm không có, đã bị chuyển, hoặc bạn không được xem.")),
    414: (gettext_lazy("Địa chỉ quá dài"), gettext_lazy("Địa chỉ trang dài quá mức hệ thống nhận. Hãy mở lại từ trình đơn.")),
    500: (
        gettext_lazy("Lỗi hệ thống"),
        gettext_lazy("Đã có lỗi phía máy chủ; không có thay đổi nào được lưu. Hãy thử lại sau ít phút."),
    ),
}
API_CODES = {400: "parse_error", 403: "permission_denied", 404: "not_found", 414: "uri_too_long", 500: "server_error"}


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _back(request) -> str | None:
    """The page the user came from, if it is on this site (a way back without script)."""
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return None


def error_response(request, status: int, *, with_request_context: bool = True, message=None) -> HttpResponse:
    title, default = PAGES[status]
    message = message or default
    if _is_api(request):
        from api.exceptions import error_body

        return JsonResponse(error_body(str(title), API_CODES[status]), status=status)
    context = {"status": status, "title": title, "message": message}
    template = loader.get_template("error.html")
    if with_request_context:
        context["back"] = _back(request)
        return HttpResponse(template.render(context, request), status=status)
    return HttpResponse(template.render(context), status=status)


def bad_request(request, exception=None):
    return error_response(request, 400)


def permission_denied(request, exception=None):
    return error_response(request, 403)


def csrf_failure(request, reason=""):
    return error_response(
        request, 403, message=_("Biểu mẫu đã hết hạn hoặc phiên đăng nhập đã thay đổi. Hãy tải lại trang rồi gửi lại.")
    )


def page_not_found(request, exception=None):
    return error_response(request, 404)


def server_error(request):
    return error_response(request, 500, with_request_context=False)


class LongUrlMiddleware:
    """A page URL longer than URL_MAX_LENGTH gets the portal's 414 page (gunicorn refuses longer request lines itself).

    The API is left alone: its contract documents its own answers to bad query strings (400).
    """

    def __init__(self, get_response):
        from django.conf import settings

        self.get_response = get_response
        self.limit = settings.URL_MAX_LENGTH

    def __call__(self, request):
        if len(request.get_full_path()) > self.limit and not _is_api(request):
            return error_response(request, 414, with_request_context=False)
        return self.get_response(request)
