from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from touchpoints import pagecache

from .models import Notification


def unread(request: HttpRequest) -> dict[str, int]:
    """The unread badge in the navigation bar: at most one query per page, none while no notification has changed."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    key = pagecache.data_key("unread", user.pk, generation=pagecache.NOTIFICATIONS)
    count = cache.get(key) if key else None
    if count is None:
        count = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
        if key:
            cache.set(key, count, settings.PAGE_CACHE_SECONDS)
    return {"unread_notifications": count}
