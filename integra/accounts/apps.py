from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "integra.accounts"
    label = "accounts"
    verbose_name = _("Operatori e ruoli")

    def ready(self) -> None:
        from integra.accounts import access  # noqa: F401  (registers policies)
