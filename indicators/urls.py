from django.urls import path

from indicators import views

app_name = "indicators"

urlpatterns = [
    path("entry/", views.entry_list, name="entry_list"),
]
