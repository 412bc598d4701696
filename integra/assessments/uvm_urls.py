"""Routes of the UVM pages, included by integra/assessments/urls.py under /valutazioni/uvm/."""

from django.urls import path

from integra.assessments import uvm_views as views

urlpatterns = [
    path("uvm/", views.session_list, name="uvm_list"),
    path("uvm/nuova/", views.session_create, name="uvm_create"),
    path("uvm/<int:pk>/", views.session_detail, name="uvm_detail"),
    path("uvm/<int:pk>/componenti/", views.member_add, name="uvm_member_add"),
    path(
        "uvm/<int:pk>/componenti/<int:member_pk>/rimuovi/",
        views.member_remove,
        name="uvm_member_remove",
    ),
    path(
        "uvm/<int:pk>/componenti/<int:member_pk>/presenza/",
        views.member_presence,
        name="uvm_member_presence",
    ),
    path("uvm/<int:pk>/strumenti/", views.assessments_link, name="uvm_assessments_link"),
    path(
        "uvm/<int:pk>/strumenti/<int:assessment_pk>/scollega/",
        views.assessment_unlink,
        name="uvm_assessment_unlink",
    ),
    path("uvm/<int:pk>/esito/", views.outcome, name="uvm_outcome"),
    path("uvm/<int:pk>/requisiti/", views.eligibility, name="uvm_eligibility"),
    path("uvm/<int:pk>/annulla/", views.cancel, name="uvm_cancel"),
    path("uvm/<int:pk>/sposta/", views.reschedule, name="uvm_reschedule"),
    path("uvm/<int:pk>/consenso/", views.consent, name="uvm_consent"),
    path("uvm/<int:pk>/verbale.pdf", views.minutes, name="uvm_minutes"),
]
