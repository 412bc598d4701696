from django.urls import path

from integra.audit import views

app_name = "audit"

urlpatterns = [
    path("accessi/", views.access_log, name="access_log"),
    path("accessi/esporta.csv", views.access_log_csv, name="access_log_csv"),
]
