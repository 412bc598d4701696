from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TimelineConfig(AppConfig):
    name = "integra.timeline"
    label = "timeline"
    verbose_name = _("Diario e cronologia della persona")

    def ready(self) -> None:
        from integra.timeline import (
            access,  # noqa: F401  (registers the scope of case notes)
            builtin_sources,  # noqa: F401  (registers the sources)
        )
