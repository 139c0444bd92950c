from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "scoring"
    verbose_name = _("评分与发布")

    def ready(self) -> None:
        # The rectification register (owned by audits) gains the 整改方案 sheet of fined units' plans (SPEC §10).
        from audits.rectifications.exports import register_sheet

        from .plans import plan_sheet

        register_sheet(plan_sheet)
