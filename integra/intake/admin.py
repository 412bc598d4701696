"""The PUAs are configured by the system administrator: territory, partners, deadlines,
closure days. Requests are read and moved only through the PUA pages and API (access policy,
state machine), never edited here."""

from django.contrib import admin

from integra.intake.models import PuaPoint


@admin.register(PuaPoint)
class PuaPointAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "holiday_province", "pre_assessment_days", "is_active"]
    list_filter = ["is_active", "holiday_province"]
    search_fields = ["name", "organization__name"]
    autocomplete_fields = ["organization", "uvm_organization"]
    filter_horizontal = ["partners", "ambiti", "municipalities"]
    list_select_related = ["organization"]
