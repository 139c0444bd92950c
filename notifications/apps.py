from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("提醒与通知")

    def ready(self) -> None:
        from core.home import register_panels
        from notifications import home

        register_panels(home.panels)
