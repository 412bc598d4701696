"""Routes of the care plan's pages, under /progetti/."""

from django.urls import path

from integra.careplans import views

app_name = "careplans"

urlpatterns = [
    path("casi/", views.caseload, name="caseload"),
    path("casi/riassegna/", views.caseload_reassign, name="reassign"),
    path("attivita/", views.my_tasks, name="my_tasks"),
    path("attivita/<int:task_pk>/chiudi/", views.task_close, name="task_close"),
    path("nuovo/uvm/<int:session_pk>/", views.create_from_uvm, name="create_from_uvm"),
    path("nuovo/persona/<int:person_pk>/", views.create_for_person, name="create_for_person"),
    path("persone/<int:person_pk>/", views.person_plans, name="person_plans"),
    path("<int:pk>/", views.plan_detail, name="detail"),
    path("<int:pk>/modifica/", views.plan_edit, name="edit"),
    path("<int:pk>/obiettivi/nuovo/", views.goal_add, name="goal_add"),
    path("<int:pk>/obiettivi/<int:goal_pk>/", views.goal_edit, name="goal_edit"),
    path("<int:pk>/obiettivi/<int:goal_pk>/togli/", views.goal_remove, name="goal_remove"),
    path("<int:pk>/interventi/nuovo/", views.intervention_add, name="intervention_add"),
    path("<int:pk>/interventi/<int:item_pk>/", views.intervention_edit, name="intervention_edit"),
    path(
        "<int:pk>/interventi/<int:item_pk>/togli/",
        views.intervention_remove,
        name="intervention_remove",
    ),
    path("<int:pk>/proponi/", views.plan_propose, name="propose"),
    path("<int:pk>/riapri/", views.plan_rework, name="rework"),
    path("<int:pk>/firma/", views.plan_sign, name="sign"),
    path("<int:pk>/attiva/", views.plan_activate, name="activate"),
    path("<int:pk>/revisione/", views.plan_review, name="review"),
    path("<int:pk>/chiudi/", views.plan_close, name="close"),
    path("<int:pk>/case-manager/", views.case_manager_handover, name="handover"),
    path("<int:pk>/equipe/nuovo/", views.team_add, name="team_add"),
    path("<int:pk>/equipe/<int:member_pk>/esce/", views.team_end, name="team_end"),
    path("<int:pk>/attivita/nuova/", views.task_add, name="task_add"),
    path("<int:pk>/versioni/", views.version_list, name="versions"),
    path("<int:pk>/versioni/confronta/", views.version_compare, name="version_compare"),
    path("<int:pk>/versioni/<int:number>/", views.version_detail, name="version_detail"),
    path("<int:pk>/versioni/<int:number>/pdf", views.version_pdf_view, name="version_pdf"),
    path("<int:pk>/pdf", views.plan_pdf_view, name="pdf"),
]
