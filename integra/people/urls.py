from django.urls import path  # noqa: F401

from integra.people.merge_urls import urlpatterns as merge_urlpatterns

app_name = "people"

urlpatterns: list = [*merge_urlpatterns]
