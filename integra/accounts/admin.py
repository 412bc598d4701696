from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from integra.accounts.models import ApiToken, Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["organization", "roles", "job_title", "is_active", "valid_from", "valid_until"]
    autocomplete_fields = ["organization"]


@admin.register(User)
class IntegraUserAdmin(UserAdmin):
    inlines = [MembershipInline]
    fieldsets = (*(UserAdmin.fieldsets or ()), ("Integra", {"fields": ("fiscal_code", "phone")}))


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens can be inspected and revoked here; the secret itself is never stored."""

    list_display = [
        "name",
        "prefix",
        "user",
        "membership",
        "created_at",
        "expires_at",
        "revoked_at",
    ]
    readonly_fields = ["prefix", "token_hash", "created_at", "last_used_at", "user", "membership"]
    search_fields = ["name", "prefix", "user__username"]

    def has_add_permission(self, request):  # tokens are issued from the profile or the command
        return False
