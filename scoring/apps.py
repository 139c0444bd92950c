from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "scoring"
    verbose_name = _("评分与发布")

    def ready(self) -> None:
        from core.home import register_panels
        from core.publication import register_publication_check
        from core.xlsx import register_export
        from scoring import exports, home
        from scoring import jobs as periodic_jobs
        from scoring.status import quarter_has_results

        register_panels(home.panels)
        register_export(exports.QuarterExport)  # SPEC §10
        register_export(exports.CapsExport)
        register_publication_check(quarter_has_results)  # SPEC §7: the lock inspections and self-checks obey
        periodic_jobs.register_jobs()

        # SPEC §14: the plans of fined units — their home panel, their reminders, and the register's 整改方案 sheet.
        from audits.rectifications.exports import register_sheet
        from scoring import plans

        register_panels(plans.home_panels)
        register_sheet(plans.plan_sheet)
        plans.register_jobs()
