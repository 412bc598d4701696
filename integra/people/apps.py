from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "integra.people"
    label = "people"
    verbose_name = _("Anagrafe")

    def ready(self) -> None:
        from integra.audit.persons import person_directory_register
        from integra.audit.services import access_log_entry_hook
        from integra.people import access  # noqa: F401  (registers policies)
        from integra.people.audit_directory import AUDIT_PERSON_DIRECTORY
        from integra.people.emergency import mark_emergency_reads

        # Reads made under an emergency access carry its purpose in the access log.
        access_log_entry_hook(mark_emergency_reads)
        # The auditor's access log names persons through the people gate.
        person_directory_register(AUDIT_PERSON_DIRECTORY)
