"""Admin: LEA rules and regulations read-only (loaded from the file with ``load_lea_rules``;
regulations go through the pages and the API, which validate periods and bands). The default
care setting of a catalogue service is set here by a system administrator."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from integra.costshares.models import (
    CareSetting,
    CopaymentRegulation,
    LeaCostRule,
    ServiceCostProfile,
)


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CareSetting)
class CareSettingAdmin(_ReadOnly):
    list_display = ["code", "name", "article"]


@admin.register(LeaCostRule)
class LeaCostRuleAdmin(_ReadOnly):
    list_display = ["setting", "ssn_percent", "valid_from", "valid_to", "source"]
    list_filter = ["setting"]


@admin.register(CopaymentRegulation)
class CopaymentRegulationAdmin(_ReadOnly):
    list_display = ["name", "organization", "isee_kind", "act"]


@admin.register(ServiceCostProfile)
class ServiceCostProfileAdmin(admin.ModelAdmin):
    list_display = ["service", "setting"]
    list_filter = ["setting"]
    autocomplete_fields = ["service"]
