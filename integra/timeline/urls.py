from django.urls import path

from integra.timeline import views

app_name = "timeline"

urlpatterns = [
    path("<int:pk>/diario/", views.diary, name="diary"),
]
