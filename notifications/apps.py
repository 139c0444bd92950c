from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("提醒与通知")

    def ready(self) -> None:
        from core.home import register_panels
        from core.jobs import register_catch_up
        from notifications import home
        from notifications.delivery import outbox_job

        register_panels(home.panels)
        # run_scheduled also delivers whatever the outbox still holds, after the day's jobs (SPEC §7).
        register_catch_up(outbox_job)
        # Every app's `notices` module registers the renderers of its kinds (notifications.kinds), as admin.py does.
        autodiscover_modules("notices")
