"""`{% trend_table table rows title %}`: one ranking over time on the trends page, rendered by Jinja2
(templates/fragments/trend_table.jinja, audits.fragments) because its 65 units × 8 quarters are the page's hot loop:
Django's engine walked a `{% url %}` and a `{% blocktranslate %}` per point, 520 of each. Here each quarter's link
prefix is reversed once per table and a rank's label translated once per language and rank."""

from functools import lru_cache, partial

from django import template
from django.urls import reverse
from django.utils.translation import get_language, gettext

from audits.fragments import render_fragment

register = template.Library()


@lru_cache(maxsize=4096)
def _rank_label(language: str | None, rank: int | None) -> str:
    return gettext("第 %(r)s 名") % {"r": rank}


@register.simple_tag
def trend_table(table, rows, title):
    urls = [reverse("scoring:unit_detail", args=[str(q.quarter), "K", "C"]).removesuffix("K/C/") for q in table.quarters]
    context = {"table": table, "rows": rows, "title": title, "urls": urls, "rank_label": partial(_rank_label, get_language())}
    return render_fragment("trend_table.jinja", context)
