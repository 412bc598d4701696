from django.urls import path

from integra.intake import views

app_name = "intake"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("richieste/nuova/", views.request_create, name="request_create"),
    path("richieste/<int:pk>/", views.request_detail, name="request_detail"),
    path("richieste/<int:pk>/passaggio/", views.request_transition, name="request_transition"),
    path("richieste/<int:pk>/consenso/", views.request_consent, name="request_consent"),
    path("richieste/<int:pk>/pre-valutazione/", views.request_triage, name="request_triage"),
    path("richieste/<int:pk>/allegati/", views.attachment_upload, name="attachment_upload"),
    path(
        "richieste/<int:pk>/allegati/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment_download",
    ),
]
