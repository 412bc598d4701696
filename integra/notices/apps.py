from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "integra.notices"
    label = "notices"
    verbose_name = _("Avvisi agli enti")

    def ready(self) -> None:
        from integra.notices import access  # noqa: F401  (registers policies)
