"""UI routes of bias reviews."""

from django.urls import path

from governance.bias_reviews import views

app_name = "bias_reviews"
urlpatterns = [
    path("versions/<int:version_id>/new/", views.review_create, name="create"),
    path("<int:pk>/", views.review_detail, name="review"),
    path("<int:pk>/edit/", views.review_edit, name="edit"),
    path("<int:pk>/metrics/", views.manual_metrics, name="metrics"),
    path("<int:pk>/predictions/", views.upload_predictions, name="predictions"),
    path("<int:pk>/sign-off/", views.sign_off, name="sign_off"),
]
