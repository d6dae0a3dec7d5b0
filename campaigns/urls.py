from django.urls import path

from campaigns import views

app_name = "campaigns"

urlpatterns = [
    path("activities/", views.activity_index, name="activity_index"),
    path("activities/<str:unit_code>/<int:year>/<int:quarter>/", views.activity_list, name="activity_list"),
    path("activities/<str:unit_code>/<int:year>/<int:quarter>/<int:pk>/", views.activity_edit, name="activity_edit"),
    path("activities/<str:unit_code>/<int:year>/<int:quarter>/<int:pk>/delete/", views.activity_delete, name="activity_delete"),
    path(
        "activities/<str:unit_code>/<int:year>/<int:quarter>/<int:pk>/evidence/",
        views.activity_evidence,
        name="activity_evidence",
    ),
    path("entry/<str:unit_code>/<int:year>/<int:quarter>/evidence/", views.quarter_evidence, name="quarter_evidence"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign_detail"),
]
