from django.http import HttpRequest

from .selectors import unread_count


def unread(request: HttpRequest) -> dict[str, int]:
    """The unread badge in the navigation bar: one query per page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": unread_count(user=user)}
