from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "integra.programs"
    label = "programs"
    verbose_name = _("Misure e graduatorie")

    def ready(self) -> None:
        from integra.programs import access  # noqa: F401  (registers policies)
        from integra.programs.services import load_shipped_rule_sets

        post_migrate.connect(load_shipped_rule_sets, sender=self)
