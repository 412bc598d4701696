from django.urls import path

from integra.assessments import views
from integra.assessments.uvm_urls import urlpatterns as uvm_urlpatterns

app_name = "assessments"

urlpatterns: list = [
    path("", views.catalogue, name="catalogue"),
    path("strumenti/<slug:code>/", views.instrument_detail, name="instrument"),
    path("strumenti/<slug:code>/punteggio/", views.running_score, name="running_score"),
    path("persone/<int:person_pk>/", views.person_assessments, name="person"),
    path("persone/<int:person_pk>/nuova/<slug:code>/", views.assessment_new, name="new"),
    path("<int:pk>/", views.assessment_detail, name="detail"),
    *uvm_urlpatterns,
]
