from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "integra.core"
    label = "core"
    verbose_name = _("Territorio")

    def ready(self) -> None:
        from django.contrib import admin

        from integra.core import scopes  # noqa: F401  (registers the territory scopes)

        # Django's admin, for system administrators only (linked from the header for them), in
        # the site's language and under its name rather than "Django administration".
        admin.site.site_header = "Integra"
        admin.site.site_title = "Integra"
        admin.site.index_title = _("Amministrazione del sistema")
