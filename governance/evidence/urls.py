"""UI routes of evidence."""

from django.urls import path

from governance.evidence import views

app_name = "evidence"
urlpatterns = [
    path("versions/<int:version_id>/", views.version_evidence_page, name="version"),
    path("versions/<int:version_id>/upload/", views.upload, name="upload"),
    path("<int:pk>/download/", views.download, name="download"),
    path("<int:pk>/supersede/", views.supersede, name="supersede"),
]
