from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class TouchpointsConfig(AppConfig):
    name = "touchpoints"
    verbose_name = _("触点目录与组织")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from touchpoints.middleware import stamp_signed_in_session
        from touchpoints.pagecache import install_watch

        # Session lifetimes and the second-factor flag start at sign-in (touchpoints.middleware).
        user_logged_in.connect(stamp_signed_in_session, dispatch_uid="touchpoints.session-stamps")

        # Every connection reports its writes, so cached page bodies never outlive the data (touchpoints.pagecache).
        connection_created.connect(install_watch, dispatch_uid="touchpoints.pagecache")
