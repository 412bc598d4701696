from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "integra.assessments"
    label = "assessments"
    verbose_name = _("Valutazioni e UVM")

    def ready(self) -> None:
        from integra.assessments import access, desk, uvm  # noqa: F401  (registers policies)
        from integra.core.desk import register_panel

        register_panel("assessments.uvm_member", desk.uvm_member_panel, order=20)
        from integra.assessments.services import load_shipped_instruments
        from integra.assessments.uvm_defaults import ensure_default_user_classes

        post_migrate.connect(load_shipped_instruments, sender=self)
        post_migrate.connect(ensure_default_user_classes, sender=self)
