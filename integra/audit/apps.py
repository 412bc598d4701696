from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "integra.audit"
    label = "audit"
    verbose_name = _("Audit")

    def ready(self) -> None:
        from integra.audit import access, checks  # noqa: F401  (registers policies, checks)
        from integra.audit.denials import denial_record
        from integra.audit.history import protect_history_tables
        from integra.core.access import on_denied

        # The access policy reports denials; it does not import the audit app (layering).
        on_denied(denial_record)
        protect_history_tables()
