from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "integra.people"
    label = "people"
    verbose_name = _("Anagrafe")

    def ready(self) -> None:
        from integra.people import access  # noqa: F401  (registers policies)
