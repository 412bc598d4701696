from django.contrib import admin

from integra.audit.models import AccessLog


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """Read-only: the access log is append-only (the database refuses changes anyway)."""

    list_display = [
        "shard",
        "seq",
        "at",
        "username",
        "action",
        "outcome",
        "subject_type",
        "subject_label",
    ]
    list_filter = ["action", "outcome", "subject_type"]
    search_fields = ["username", "subject_id", "request_id"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
