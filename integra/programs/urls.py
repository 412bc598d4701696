from django.urls import path

from integra.programs import views

app_name = "programs"

urlpatterns = [
    path("", views.rule_set_list, name="rule_set_list"),
    path("regole/carica/", views.rule_set_upload, name="rule_set_upload"),
    path("regole/<int:pk>/", views.rule_set_detail, name="rule_set_detail"),
    path("persone/<int:person_pk>/", views.person_screening, name="person_screening"),
    path("persone/<int:person_pk>/evidenze/nuova/", views.fact_create, name="fact_create"),
]
