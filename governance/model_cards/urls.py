"""UI routes of documentation: documents, their revisions and diffs, and templates."""

from django.urls import path

from governance.model_cards import template_views, views

app_name = "model_cards"
urlpatterns = [
    path("new/", views.document_create, name="create"),
    path("<int:pk>/", views.document_detail, name="document"),
    path("<int:pk>/sections/<slug:key>/", views.section_edit, name="section_edit"),
    path("<int:pk>/final/", views.mark_final, name="finalise"),
    path("<int:pk>/revisions/", views.revision_list, name="revisions"),
    path("<int:pk>/revisions/<int:number>/", views.revision_detail, name="revision"),
    path("<int:pk>/diff/", views.revision_diff, name="diff"),
    path("<int:pk>/export/<str:fmt>/", views.export_document, name="export"),
    path("<int:pk>/import/", views.import_document, name="import"),
    path("templates/", template_views.template_list, name="templates"),
    path("templates/new/", template_views.template_edit, name="template_create"),
    path("templates/<slug:slug>/", template_views.template_detail, name="template"),
    path("templates/<slug:slug>/edit/", template_views.template_edit, name="template_edit"),
]
