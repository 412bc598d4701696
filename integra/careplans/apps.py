from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareplansConfig(AppConfig):
    name = "integra.careplans"
    label = "careplans"
    verbose_name = _("Progetti individuali (PAI / Patto)")

    def ready(self) -> None:
        from integra.careplans import access  # noqa: F401  (registers the scopes)
