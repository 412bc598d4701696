from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "integra.core"
    label = "core"
    verbose_name = _("Territorio")

    def ready(self) -> None:
        from integra.core import scopes  # noqa: F401  (registers the territory scopes)
