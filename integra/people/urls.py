from django.urls import path

from integra.people import views
from integra.people.dossier_urls import urlpatterns as dossier_urlpatterns
from integra.people.merge_urls import urlpatterns as merge_urlpatterns

app_name = "people"

urlpatterns: list = [
    path("", views.search, name="search"),
    path("nuova/", views.create, name="create"),
    path("verifica-codice/", views.identifier_check, name="identifier_check"),
    path("permessi-in-scadenza/", views.permits_expiring, name="permits_expiring"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/modifica/", views.edit, name="edit"),
    path("<int:pk>/documenti/", views.documents, name="documents"),
    path("<int:pk>/documenti/<int:document_pk>/file/", views.document_file, name="document_file"),
    path("<int:pk>/nucleo/", views.household, name="household"),
    path("<int:pk>/isee/", views.isee, name="isee"),
    path("<int:pk>/consensi/", views.consents, name="consents"),
    path("<int:pk>/consenso-al-pua/", views.consent_at_pua, name="consent_at_pua"),
    path("<int:pk>/consensi/<int:consent_pk>/modulo/", views.consent_file, name="consent_file"),
    path("<int:pk>/storico/", views.history, name="history"),
    *merge_urlpatterns,
    *dossier_urlpatterns,
]
