from django.contrib import admin

from integra.organizations.models import Organization, Service, Unit


class UnitInline(admin.TabularInline):
    model = Unit
    extra = 0
    fields = ["name", "district", "email", "phone"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "code", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "code", "tax_code"]
    autocomplete_fields = ["parent", "municipality", "ambito", "health_authority"]
    filter_horizontal = ["served_municipalities"]
    inlines = [UnitInline]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "area", "provider", "municipality", "is_active"]
    list_filter = ["area", "is_active"]
    search_fields = ["name", "code", "provider__name"]
    autocomplete_fields = ["provider", "municipality"]
    filter_horizontal = ["served_municipalities"]
    list_select_related = ["provider", "municipality"]
