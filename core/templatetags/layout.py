"""`{% navigation %}`: the layout's navigation bar (core.layout), rendered once per page in Jinja2."""

from __future__ import annotations

from django import template
from markupsafe import Markup

from core.layout import navigation as render_navigation

register = template.Library()


@register.simple_tag(takes_context=True)
def navigation(context: template.Context) -> Markup:
    return render_navigation(
        request=context.get("request"), scope=context.get("scope"), unread=context.get("unread_notifications") or 0
    )
