from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("Reform Portal — quản trị")
admin.site.site_title = _("Reform Portal")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("api.urls")),
    path("", include("campaigns.urls")),
    path("", include("indicators.urls")),
    path("", include("reports.urls")),
]
