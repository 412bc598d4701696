"""The auditor's pages of the Garante's dossier rules, mounted under /audit/ beside the access
log (integra/urls.py; namespace ``dossier_audit``)."""

from django.urls import URLPattern, path

from integra.people import dossier_views

app_name = "dossier_audit"

urlpatterns: list[URLPattern] = [
    path(
        "accessi-di-emergenza/",
        dossier_views.emergency_access_list_page,
        name="emergency_list",
    ),
    path("accessi-anomali/", dossier_views.anomalies_page, name="anomalies"),
]
