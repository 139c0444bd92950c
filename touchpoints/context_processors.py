from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from . import pagecache


def csrf_token(request: HttpRequest) -> dict[str, object]:
    """Django's {% csrf_token %}, with each token noted on the request so that a cached copy of the page gets fresh
    ones (touchpoints.pagecache). Listed after Django's own csrf processor, so it takes its place."""
    return {"csrf_token": SimpleLazyObject(lambda: pagecache.remember_csrf_token(request))}
