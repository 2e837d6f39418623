"""Routes of the findings pages (included by governance/oversight/urls.py)."""

from django.urls import path

from governance.oversight import findings_views

urlpatterns = [
    path("findings/", findings_views.finding_list, name="findings"),
    path("findings/<int:pk>/", findings_views.finding_detail, name="finding"),
    path("findings/new/<str:kind>/<int:pk>/", findings_views.finding_create, name="finding_create"),
]
