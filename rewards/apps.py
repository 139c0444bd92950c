from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RewardsConfig(AppConfig):
    name = "rewards"
    verbose_name = _("奖惩与分配")

    def ready(self) -> None:
        from core.home import register_panels
        from core.xlsx import register_export
        from rewards import home
        from rewards.exports import RewardsExport
        from rewards.integrity import ledger_verify
        from rewards.ledger import ledger_post_result
        from scoring.postings import register_result_posting
        from scoring.services import register_verifier

        register_panels(home.panels)
        register_export(RewardsExport)  # SPEC §10
        register_result_posting(ledger_post_result)  # R12, R13, R15: every published version is posted
        register_verifier(ledger_verify)  # SPEC §7: verify_results checks every ledger entry against its version
