"""`{% insight_nav %}`: the links between the insight pages (templates/scoring/_insight_nav.html, on every insight
page and the results page), rendered by Jinja2 (templates/fragments/insight_nav.jinja, audits.fragments): its links
reversed once per URL configuration and script prefix, as the navigation bar's are (core.layout), and its labels
translated once per process and language, instead of five `{% url %}` and five `{% translate %}` per page."""

from __future__ import annotations

from functools import lru_cache
from types import SimpleNamespace

from django import template
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from audits.fragments import render_fragment
from core.layout import labels_in

register = template.Library()

TEXT = {
    "insight": _("考核分析"),
    "results": _("考核结果"),
    "trends": _("趋势与排名"),
    "heatmap": _("问题分布"),
    "bulletin": _("通报"),
}
PLACEHOLDER = "QUARTER"


@lru_cache(maxsize=16)
def nav_texts(language: str | None) -> SimpleNamespace:
    return labels_in(language, TEXT)


@lru_cache(maxsize=8)
def _urls(root_urlconf: str, urlconf: str | None, prefix: str) -> SimpleNamespace:
    def around(name: str) -> tuple[str, str]:
        """What comes before and after a quarter in the page's path."""
        before, after = reverse(name, args=[PLACEHOLDER]).split(PLACEHOLDER)
        return before, after

    return SimpleNamespace(
        results=reverse("scoring:results"),
        trends=reverse("scoring:insight_trends"),
        heatmap=reverse("scoring:insight_heatmap"),
        results_quarter=around("scoring:results_quarter"),
        bulletin=around("scoring:bulletin"),
    )


def nav_urls() -> SimpleNamespace:
    """The links, reversed once per URL configuration and script prefix (the arguments key the memo)."""
    return _urls(settings.ROOT_URLCONF, get_urlconf(), get_script_prefix())


@register.simple_tag(takes_context=True)
def insight_nav(context):
    """Context: active (the page's tab: trends, heatmap or bulletin), quarter (optional: its results and bulletin)."""
    quarter = context.get("quarter")
    return render_fragment(
        "insight_nav.jinja",
        {
            "t": nav_texts(get_language()),
            "urls": nav_urls(),
            "active": context.get("active", ""),
            "quarter": str(quarter) if quarter else "",
        },
    )
