"""UI routes of the integrations app: registry connections (administrators; compliance reads)."""

from django.urls import path

from governance.integrations import views

app_name = "integrations"
urlpatterns = [
    path("", views.connection_list, name="connections"),
    path("new/", views.connection_form, name="connection-new"),
    path("<int:pk>/", views.connection_detail, name="connection"),
    path("<int:pk>/edit/", views.connection_form, name="connection-edit"),
    path("<int:pk>/rotate-secret/", views.rotate_secret, name="rotate-secret"),
    path("<int:pk>/reconcile/", views.reconcile_now, name="reconcile"),
    path("<int:pk>/callbacks/<int:message_pk>/retry/", views.retry_callback, name="retry-callback"),
    path("<int:pk>/models/<int:model_pk>/map/", views.map_model, name="map-model"),
]
