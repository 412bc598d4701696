from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "integra.intake"
    label = "intake"
    verbose_name = _("PUA — accesso e smistamento")

    def ready(self) -> None:
        from integra.core.desk import register_panel
        from integra.intake import (
            access,  # noqa: F401  (registers policies)
            desk,
        )

        register_panel("intake.pua", desk.pua_panel, order=10)
        register_panel("intake.received", desk.received_panel, order=40)
