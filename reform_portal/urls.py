from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from organizations.views import language_switch

admin.site.site_header = _("Reform Portal — quản trị")
admin.site.site_title = _("Reform Portal")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    # Before Django's own: the switch also saves the user's choice.
    path("i18n/setlang/", language_switch, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("api.urls")),
    path("", include("campaigns.urls")),
    path("", include("indicators.urls")),
    path("", include("reports.urls")),
]

# The portal's own error pages (JSON under /api/): reform_portal/errors.py.
handler400 = "reform_portal.errors.bad_request"
handler403 = "reform_portal.errors.permission_denied"
handler404 = "reform_portal.errors.page_not_found"
handler500 = "reform_portal.errors.server_error"
