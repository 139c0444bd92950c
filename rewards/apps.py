from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RewardsConfig(AppConfig):
    name = "rewards"
    verbose_name = _("奖惩与分配")

    def ready(self) -> None:
        # SPEC §7: verify_results also checks every ledger entry against the version it came from.
        from scoring.services import register_verifier

        from .integrity import ledger_verify

        register_verifier(ledger_verify)
