"""Read-only admin: rule sets are loaded from files (``load_measure_rules`` or the upload page),
evidence and screenings go through the services (validation, history reason)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from integra.programs.models import EligibilityFact, MeasureRuleSet, ScreeningRecord


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(MeasureRuleSet)
class MeasureRuleSetAdmin(_ReadOnly):
    list_display = ["measure_code", "act", "effective_from", "effective_to", "status", "loaded_at"]
    list_filter = ["measure_code", "status"]


@admin.register(EligibilityFact)
class EligibilityFactAdmin(_ReadOnly):
    list_display = ["person", "kind", "valid_from", "valid_until", "organization"]
    list_filter = ["kind"]


@admin.register(ScreeningRecord)
class ScreeningRecordAdmin(_ReadOnly):
    list_display = ["person", "measure_code", "on_date", "outcome", "organization", "created_at"]
