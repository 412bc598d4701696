from django.contrib import admin

from integra.core.models import Ambito, District, HealthAuthority, Municipality, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["istat_code", "name"]
    search_fields = ["name", "istat_code"]


@admin.register(HealthAuthority)
class HealthAuthorityAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "code", "region", "parent"]
    list_filter = ["kind", "region"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "health_authority"]
    list_filter = ["health_authority"]
    search_fields = ["name", "code"]


@admin.register(Ambito)
class AmbitoAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "region", "lead_municipality"]
    list_filter = ["region"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["lead_municipality"]


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["name", "istat_code", "belfiore_code", "province_code", "ambito", "district"]
    list_filter = ["region"]
    search_fields = ["name", "istat_code", "belfiore_code"]
    autocomplete_fields = ["ambito", "district"]
    list_select_related = ["ambito", "district"]
