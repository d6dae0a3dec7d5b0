from django.urls import path

from indicators import views

app_name = "indicators"

urlpatterns = [
    path("entry/", views.entry_list, name="entry_list"),
    path("entry/<str:unit_code>/<int:year>/<int:quarter>/", views.entry_form, name="entry_form"),
    path("entry/<str:unit_code>/<int:year>/<int:quarter>/xlsx/", views.entry_xlsx, name="entry_xlsx"),
    path("entry/<str:unit_code>/<int:year>/<int:quarter>/upload/", views.entry_upload, name="entry_upload"),
    path("entry/<str:unit_code>/<int:year>/<int:quarter>/history/", views.entry_history, name="entry_history"),
    path("review/", views.review, name="review"),
    path("review/<str:unit_code>/<int:year>/<int:quarter>/remind/", views.review_remind, name="review_remind"),
    path(
        "review/<str:unit_code>/<int:year>/<int:quarter>/<slug:action>/",
        views.review_action,
        name="review_action",
    ),
]
