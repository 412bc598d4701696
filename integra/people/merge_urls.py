"""The merge screens' routes, included by integra/people/urls.py (namespace ``people``)."""

from django.urls import URLPattern, path

from integra.people import merge_views

urlpatterns: list[URLPattern] = [
    path("<int:pk>/unisci/", merge_views.merge_start, name="merge_start"),
    path("unioni/", merge_views.merge_list, name="merge_list"),
    path("unioni/<int:merge_id>/", merge_views.merge_detail, name="merge_detail"),
    path("unioni/<int:merge_id>/annulla/", merge_views.merge_undo, name="merge_undo"),
]
