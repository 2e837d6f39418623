"""UI routes of the audit app."""

from django.urls import path

from governance.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.events, name="events"),
    path("events.csv", views.events_export, name="export"),
    path("verify/", views.verify, name="verify"),
    path("public-key.pem", views.public_key, name="public_key"),
]
