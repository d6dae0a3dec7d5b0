"""The portal's URLs plus a view that fails, to see the 500 page (used with @pytest.mark.urls)."""

from django.urls import path

from reform_portal.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom), path("api/v1/boom/", boom), *urlpatterns]
