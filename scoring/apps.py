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

        from django.db.models.signals import post_save

        from .insight import heat_cache_after_publication
        from .models import QuarterResult

        # SPEC §16: once a new published version is committed, the worker warms the heat maps.
        post_save.connect(heat_cache_after_publication, sender=QuarterResult, weak=False, dispatch_uid="insight-warm-heat-cache")
