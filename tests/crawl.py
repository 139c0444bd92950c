"""Walking the product as each kind of user: shared by the bilingual page test and the accessibility test."""

from __future__ import annotations

from django.contrib.auth import get_user_model

# Not pages of the product: sign-out, Django's admin, language switching, assets and probes.
SKIP_PATHS = ("/accounts/logout", "/admin/", "/i18n/", "/static/", "/healthz", "/favicon.ico")


def representative_users() -> list:
    """One user per distinct combination of roles and staff groups, so every kind of user walks once."""
    from core.access import scope_for

    chosen: dict[tuple, object] = {}
    for user in get_user_model().objects.order_by("username").prefetch_related("groups"):
        scope = scope_for(user)
        signature = (
            user.is_superuser,
            tuple(sorted(g.name for g in user.groups.all())),
            tuple(sorted(str(r) for r in scope.roles)),
        )
        chosen.setdefault(signature, user)
    return list(chosen.values())
