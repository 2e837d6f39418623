"""UI routes of the accounts app. One person or team lives under person/ or team/, so no name shadows new/."""

from django.urls import path

from governance.accounts import views

app_name = "accounts"
urlpatterns = [
    path("people/", views.people, name="people"),
    path("people/new/", views.person_create, name="person_create"),
    path("person/<str:username>/", views.person, name="person"),
    path("person/<str:username>/roles/", views.person_role, name="person_role"),
    path("person/<str:username>/teams/", views.person_team, name="person_team"),
    path("teams/new/", views.team_create, name="team_create"),
    path("team/<slug:slug>/", views.team, name="team"),
    path("team/<slug:slug>/members/", views.team_member, name="team_member"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
