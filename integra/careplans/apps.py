from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareplansConfig(AppConfig):
    name = "integra.careplans"
    label = "careplans"
    verbose_name = _("Progetti individuali (PAI / Patto)")

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy

        from integra.careplans import access, desk, timeline  # noqa: F401  (registers the scopes)
        from integra.core.desk import register_panel
        from integra.timeline.sources import register_source

        register_panel("careplans.case_manager", desk.case_manager_panel, order=30)
        register_panel("careplans.tasks", desk.tasks_panel, order=35)
        register_source(
            timeline.PLAN_VERSION,
            timeline.plan_versions,
            label=gettext_lazy("Versioni dei progetti"),
        )
        register_source(timeline.CARE_TASK, timeline.care_tasks, label=gettext_lazy("Attività"))
