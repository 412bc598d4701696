from django.urls import path

from integra.costshares import views

app_name = "costshares"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("regolamenti/nuovo/", views.regulation_create, name="regulation_create"),
    path("regolamenti/<int:pk>/", views.regulation_detail, name="regulation_detail"),
    path("regolamenti/<int:pk>/modifica/", views.regulation_edit, name="regulation_edit"),
    path("regolamenti/<int:pk>/periodi/nuovo/", views.period_add, name="period_add"),
    path(
        "regolamenti/<int:pk>/periodi/<int:period_pk>/",
        views.period_edit,
        name="period_edit",
    ),
]
