from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from api import activities, views

app_name = "api"


# No format suffixes: unit codes may contain dots (and CSV is its own operation, values/csv/).
class Router(DefaultRouter):
    include_format_suffixes = False


router = Router()
router.register("indicators", views.IndicatorViewSet, basename="indicator")
router.register("org-units", views.OrgUnitViewSet, basename="org-unit")
router.register("campaigns", views.CampaignViewSet, basename="campaign")
router.register("values", views.ValueViewSet, basename="value")
router.register("submissions", views.SubmissionViewSet, basename="submission")
router.register("activities", activities.ActivityViewSet, basename="activity")

urlpatterns = [
    path("aggregates/", views.AggregatesView.as_view(), name="aggregates"),
    path("reports/annual/<int:year>/", views.AnnualReportView.as_view(), name="annual-report"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Split view: the Swagger UI init script comes from its own URL (docs/?script), not inline (CSP).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("", include(router.urls)),
    # Anything else under /api/v1/ is a JSON 404 in the API's error shape, not Django's HTML page.
    re_path(r"^[\s\S]*$", views.NotFoundView.as_view()),
]
