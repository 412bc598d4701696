from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "integra.people"
    label = "people"
    verbose_name = _("Anagrafe")

    def ready(self) -> None:
        from integra.audit.services import access_log_entry_hook
        from integra.people import access  # noqa: F401  (registers policies)
        from integra.people.emergency import mark_emergency_reads

        # Reads made under an emergency access carry its purpose in the access log.
        access_log_entry_hook(mark_emergency_reads)
