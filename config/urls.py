from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from touchpoints.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # static() is resolved on the first request, not at import: `check --deploy` runs before collectstatic
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("favicon.svg"), permanent=True)),
    path("admin/", admin.site.urls),
    path("accounts/", include("touchpoints.urls_accounts")),  # rate-limited reset, second factor (before auth's own)
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("audits/", include("audits.urls")),
    path("results/", include("scoring.urls")),
    path("rewards/", include("rewards.urls")),
    path("notifications/", include("notifications.urls")),
    path("", include("touchpoints.urls")),
]
