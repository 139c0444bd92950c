from django.contrib import admin
from django.urls import include, path

from core.views import favicon, healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
    path("accounts/", include("core.urls_accounts")),  # rate-limited reset, second factor (before auth's own)
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("audits/", include("audits.urls")),
    path("results/", include("scoring.urls")),
    path("rewards/", include("rewards.urls")),
    path("notifications/", include("notifications.urls")),
    path("", include("touchpoints.urls")),
]
