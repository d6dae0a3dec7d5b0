from django.urls import path

from reports.views import annual, dashboard, home

app_name = "reports"

urlpatterns = [
    path("", home.home, name="home"),
    # -- dashboard (issue: leadership dashboard) --
    path("dashboard/figure/<slug:code>/", dashboard.figure_detail, name="dashboard_figure"),
    # -- annual report (issue: the annual report) --
    path("reports/annual/", annual.annual_index, name="annual_index"),
    path("reports/annual/<int:year>/", annual.annual, name="annual"),
    path("reports/annual/<int:year>.xlsx", annual.annual_download, {"fmt": "xlsx"}, name="annual_xlsx"),
    path("reports/annual/<int:year>.docx", annual.annual_download, {"fmt": "docx"}, name="annual_docx"),
    path("reports/annual/<int:year>/narrative/", annual.narrative_edit, name="narrative_edit"),
    path("reports/annual/<int:year>/publish/", annual.publish, name="annual_publish"),
]
