"""`{% ranking rows "function" "f" trends=True %}`: one ranking of the results page, rendered by Jinja2
(templates/fragments/ranking.jinja, audits.fragments) because its rows and cells are the page's hot loop."""

from django import template

from audits.fragments import render_fragment

register = template.Library()


@register.simple_tag
def ranking(rows, kind: str, prefix: str, trends: bool = False):
    return render_fragment("ranking.jinja", {"rows": rows, "kind": kind, "prefix": prefix, "trends_enabled": trends})
