from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RewardsConfig(AppConfig):
    name = "rewards"
    verbose_name = _("奖惩与分配")

    def ready(self) -> None:
        from core.home import register_panels
        from rewards import home

        register_panels(home.panels)
