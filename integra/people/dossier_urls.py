"""The routes of the Garante's dossier pages on a person's record, included by
integra/people/urls.py (namespace ``people``)."""

from django.urls import URLPattern, path

from integra.people import dossier_views

urlpatterns: list[URLPattern] = [
    path("<int:pk>/oscuramenti/", dossier_views.concealments, name="concealments"),
    path("<int:pk>/accesso-di-emergenza/", dossier_views.emergency_access, name="emergency_access"),
    path(
        "accesso-di-emergenza/",
        dossier_views.emergency_access_by_code,
        name="emergency_access_by_code",
    ),
    path("<int:pk>/registro-accessi/", dossier_views.access_report_page, name="access_report"),
    path(
        "<int:pk>/registro-accessi.pdf",
        dossier_views.access_report_download,
        name="access_report_pdf",
    ),
]
