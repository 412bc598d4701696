"""Read-only admin of the registry: writes go through the services (validation, history
reason, presa in carico), never through the admin."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from integra.people.models import (
    CareRelationship,
    HouseholdMember,
    IseeDeclaration,
    Person,
    PersonIdentifier,
)


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PersonIdentifierInline(admin.TabularInline):
    model = PersonIdentifier
    extra = 0
    fields = ["kind", "value", "issuing_country", "issued_on", "valid_until", "is_primary"]
    readonly_fields = ["kind", "value", "issuing_country", "issued_on", "valid_until", "is_primary"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Person)
class PersonAdmin(_ReadOnly):
    list_display = ["family_names", "given_names", "birth_date", "status", "registered_by"]
    list_filter = ["status"]
    search_fields = ["search_name", "identifiers__value"]
    list_select_related = ["registered_by"]
    inlines = [PersonIdentifierInline]


@admin.register(CareRelationship)
class CareRelationshipAdmin(_ReadOnly):
    list_display = ["person", "organization", "started_on", "ended_on"]
    list_select_related = ["person", "organization"]
    search_fields = ["person__search_name", "organization__name"]


@admin.register(HouseholdMember)
class HouseholdMemberAdmin(_ReadOnly):
    list_display = ["person", "member", "name", "relationship", "is_caregiver", "until"]
    list_select_related = ["person", "member"]
    search_fields = ["person__search_name", "name"]


@admin.register(IseeDeclaration)
class IseeDeclarationAdmin(_ReadOnly):
    list_display = ["person", "kind", "value", "signed_on", "valid_until"]
    list_filter = ["kind"]
    list_select_related = ["person"]
    search_fields = ["person__search_name", "dsu_protocol"]
