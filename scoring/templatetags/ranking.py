"""`{% ranking rows "function" "f" trends=True linked=True %}`: one ranking of the results page, rendered by Jinja2
(templates/fragments/ranking.jinja, audits.fragments) because its rows and cells are the page's hot loop. With
`linked`, each figure links to its explanation; the URLs are built once per ranking from the context's `quarter` (or
given: the results page builds them once for both rankings), each row's from them in Python."""

from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils.translation import get_language

from audits.fragments import render_fragment
from scoring.selectors import settlement_labels

register = template.Library()


def ranking_urls(quarter: str) -> dict[str, str]:
    """The prefixes of a unit's and a cell's explanation in the quarter."""
    return {
        "unit": reverse("scoring:unit_detail", args=[quarter, "K", "C"]).removesuffix("K/C/"),
        "cell": reverse("scoring:cell_detail", args=[quarter, "P", "F"]).removesuffix("P/F/"),
    }


def _segment(value: str) -> str:
    """A path segment as Jinja2's `urlencode` filter writes it (the fragment's cell links use the filter)."""
    return quote(value, safe="/")


@register.simple_tag(takes_context=True)
def ranking(context, rows, kind: str, prefix: str, trends: bool = False, linked: bool = False, urls=None):
    unit_urls: list[str] = []
    if linked:
        urls = urls or ranking_urls(str(context["quarter"]))
        unit = urls["unit"]
        unit_urls = [f"{unit}{_segment(row.kind)}/{_segment(row.code)}/" for row in rows]
    return render_fragment(
        "ranking.jinja",
        {
            "rows": rows,
            "kind": kind,
            "prefix": prefix,
            "trends_enabled": trends,
            "linked": linked,
            "urls": urls or {},
            "unit_urls": unit_urls,
            "settlements": settlement_labels(get_language()),
        },
    )
