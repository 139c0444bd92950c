from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "scoring"
    verbose_name = _("评分与发布")

    def ready(self) -> None:
        from django.db import transaction
        from django.db.models.signals import post_save

        from .insight import warm_heat_cache
        from .models import QuarterResult

        # SPEC §16: a new published version warms the heat map's per-quarter figures once it is committed.
        post_save.connect(
            lambda sender, created, **kw: created and transaction.on_commit(warm_heat_cache.delay),
            sender=QuarterResult,
            weak=False,
            dispatch_uid="insight-warm-heat-cache",
        )
