from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("提醒与通知")

    def ready(self) -> None:
        # Every app's `notices` module registers the renderers of its kinds (notifications.kinds), as admin.py does.
        autodiscover_modules("notices")
