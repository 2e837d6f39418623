"""UI routes of the reports app."""

from django.urls import path

from governance.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.report_list, name="list"),
    path("request/", views.request_view, name="request"),
    path("verify/", views.verify_view, name="verify"),
    path("certificate.pem", views.certificate_view, name="certificate"),
    path("<uuid:report_id>/", views.detail_view, name="detail"),
    path("<uuid:report_id>/status/", views.status_view, name="status"),
    path("<uuid:report_id>/download/", views.download_view, name="download"),
]
