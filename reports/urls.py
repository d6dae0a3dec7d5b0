from django.urls import path

from reports.views import dashboard, home

app_name = "reports"

urlpatterns = [
    path("", home.home, name="home"),
    # -- dashboard (issue: leadership dashboard) --
    path("dashboard/figure/<slug:code>/", dashboard.figure_detail, name="dashboard_figure"),
    # -- annual report (issue: the annual report) --
]
