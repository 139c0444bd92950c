from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditsConfig(AppConfig):
    name = "audits"
    verbose_name = _("自检与检查")

    def ready(self) -> None:
        from audits import jobs as periodic_jobs
        from audits.inspections import home as inspection_home
        from audits.selfchecks import home as selfcheck_home
        from core.home import register_panels

        register_panels(selfcheck_home.panels)
        register_panels(inspection_home.panels)
        periodic_jobs.register_jobs()
