"""`{% trend_table table rows title %}`: one ranking over time on the trends page, rendered by Jinja2
(templates/fragments/trend_table.jinja, audits.fragments). Its 65 units × 8 quarters are the page's hot loop: Django's
engine walked a `{% url %}` and a `{% blocktranslate %}` per point, 520 of each. Here each quarter's link prefix is
reversed once per table, and a point's markup is written once for each distinct (grade, score, rank) and shared by
the points that show the same, as the heat map's cells are (`scoring.insight._cells_html`)."""

from functools import lru_cache
from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext
from markupsafe import escape

from audits.fragments import render_fragment

register = template.Library()

NO_POINT = '<td class="text-center text-nowrap"><span class="text-secondary small">—</span></td>'


@lru_cache(maxsize=4096)
def _rank_label(language: str | None, rank: int | None) -> str:
    return gettext("第 %(r)s 名") % {"r": rank}


def point_cells(rows, urls: list[str]) -> list[SafeString]:
    """Each row's cells, one per quarter: a link to the unit's explanation with its grade, score and rank, or a dash.
    Every value interpolated is escaped, a number, or a link prefix Django reversed."""
    language = get_language()
    looks: dict[tuple, tuple[str, str]] = {}
    out = []
    for row in rows:
        path = f"{quote(row.kind, safe='')}/{quote(row.code, safe='')}/"
        cells = []
        for index, point in enumerate(row.points):
            if point.percent is None:
                cells.append(NO_POINT)
                continue
            key = (point.grade, point.low, point.percent, point.rank)
            look = looks.get(key)
            if look is None:
                look = looks[key] = (
                    '<td class="text-center text-nowrap"><a href="',
                    f'" class="text-decoration-none"><span class="badge {point.grade_class}">{escape(point.grade)}</span> '
                    f'<span class="small">{point.percent}%</span><div class="small text-secondary">'
                    f"{escape(_rank_label(language, point.rank))}</div></a></td>",
                )
            cells.append(look[0] + str(escape(urls[index] + path)) + look[1])
        out.append(mark_safe("".join(cells)))  # nosec B308 B703: escaped above
    return out


@register.simple_tag
def trend_table(table, rows, title):
    urls = [reverse("scoring:unit_detail", args=[str(q.quarter), "K", "C"]).removesuffix("K/C/") for q in table.quarters]
    context = {"table": table, "rows": rows, "title": title, "cells": point_cells(rows, urls)}
    return render_fragment("trend_table.jinja", context)
