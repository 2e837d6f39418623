"""UI routes of the web app: the home page only (each app owns its own pages)."""

from django.urls import path

from governance.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
]
