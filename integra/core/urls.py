from django.urls import path

from integra.core import views

app_name = "core"

urlpatterns = [
    path("", views.authority_list, name="authority_list"),
    path("aziende/<int:pk>/", views.authority_detail, name="authority_detail"),
    path("comuni/", views.municipality_list, name="municipality_list"),
]
