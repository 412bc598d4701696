from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CostSharesConfig(AppConfig):
    name = "integra.costshares"
    label = "costshares"
    verbose_name = _("Chi paga: quote LEA e compartecipazione")

    def ready(self) -> None:
        from integra.costshares import access  # noqa: F401  (registers policies)
        from integra.costshares.services import load_shipped_lea_rules

        post_migrate.connect(load_shipped_lea_rules, sender=self)
