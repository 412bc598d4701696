from django.urls import path

from integra.notices import views

app_name = "notices"

urlpatterns = [
    path("", views.notice_list, name="list"),
    path("<int:pk>/letto/", views.notice_read, name="read"),
]
