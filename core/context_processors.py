from django.http import HttpRequest

from .access import scope_for


def roles(request: HttpRequest) -> dict[str, object]:
    """Navigation flags for the base template, from the one access module."""
    scope = scope_for(getattr(request, "user", None))
    return {"scope": scope}
