from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("基础")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from core.middleware import stamp_signed_in_session

        # Session lifetimes and the second-factor flag start at sign-in (core.middleware).
        user_logged_in.connect(stamp_signed_in_session, dispatch_uid="core.session-stamps")

        from django.utils.translation import gettext

        from core import dates

        # Quarter and month labels in the reader's language (core.dates stays free of Django imports).
        dates.translate = gettext
