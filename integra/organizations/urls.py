from django.urls import path

from integra.organizations import views

app_name = "organizations"

urlpatterns = [
    path("", views.organization_list_view, name="organization_list"),
    path("<int:pk>/", views.organization_detail_view, name="organization_detail"),
    path("servizi/", views.service_list, name="service_list"),
    path("servizi/nuovo/", views.service_create_view, name="service_create"),
    path("servizi/<int:pk>/", views.service_detail_view, name="service_detail"),
    path("servizi/<int:pk>/modifica/", views.service_edit_view, name="service_edit"),
]
