"""The merge screens' routes, included by integra/people/urls.py."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
