"""`{% ranking rows "function" "f" trends=True linked=True %}`: one ranking of the results page, rendered by Jinja2
(templates/fragments/ranking.jinja, audits.fragments) because its rows and cells are the page's hot loop. With
`linked`, each figure links to its explanation; the URLs are built once per ranking from the context's `quarter`."""

from django import template
from django.urls import reverse

from audits.fragments import render_fragment

register = template.Library()


@register.simple_tag(takes_context=True)
def ranking(context, rows, kind: str, prefix: str, trends: bool = False, linked: bool = False):
    urls = {}
    if linked:
        quarter = str(context["quarter"])
        urls = {
            "unit": reverse("scoring:unit_detail", args=[quarter, "K", "C"]).removesuffix("K/C/"),
            "cell": reverse("scoring:cell_detail", args=[quarter, "P", "F"]).removesuffix("P/F/"),
        }
    return render_fragment(
        "ranking.jinja",
        {"rows": rows, "kind": kind, "prefix": prefix, "trends_enabled": trends, "linked": linked, "urls": urls},
    )
