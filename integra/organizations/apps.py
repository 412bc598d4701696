from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationsConfig(AppConfig):
    name = "integra.organizations"
    label = "organizations"
    verbose_name = _("Enti e servizi")

    def ready(self) -> None:
        from integra.organizations import access  # noqa: F401  (registers policies)
