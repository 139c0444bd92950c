"""`{% navigation %}`: the layout's navigation bar (core.layout), rendered once per page in Jinja2."""

from __future__ import annotations

from django import template
from markupsafe import Markup

from core.layout import layout_assets
from core.layout import navigation as render_navigation

register = template.Library()


@register.simple_tag(takes_context=True)
def navigation(context: template.Context) -> Markup:
    return render_navigation(
        request=context.get("request"), scope=context.get("scope"), unread=context.get("unread_notifications") or 0
    )


@register.simple_tag
def layout_head() -> Markup:
    """The favicon and stylesheets (core.layout.layout_assets), written once per process and static settings."""
    return layout_assets("head")


@register.simple_tag
def layout_scripts() -> Markup:
    """The layout's scripts (core.layout.layout_assets)."""
    return layout_assets("scripts")
