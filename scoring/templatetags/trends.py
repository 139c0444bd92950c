"""`{% trend_tables table functions_title projects_title %}`: the two rankings over time on the trends page, rendered
by Jinja2 (templates/fragments/trend_table.jinja, audits.fragments). Their 65 units × 8 quarters are the page's hot
loop: each row, its header and its points are written here in one pass, with each quarter's link prefix reversed once
for both tables and escaped once per table, each row's code and name escaped once, and each grade's badge and each
rank's label written once."""

import re
from functools import lru_cache
from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext
from markupsafe import escape

from audits.fragments import render_fragment, texts

register = template.Library()

# A point's cell is centred and unwrapped, its link undecorated and its rank small and grey by the table's CSS
# (static/css/insight.css, `.in-trend-table td`), not by classes repeated 520 times.
NO_POINT = '<td><span class="text-secondary small">—</span></td>'
MINE = ' class="in-mine"'
_URL_SAFE = re.compile(r"[A-Za-z0-9_.~-]*")  # what quote(text, safe="") leaves as it is


def _path_part(text: str) -> str:
    """`quote(text, safe="")`, without its cost for the codes that need none (every kind and the usual codes)."""
    return text if _URL_SAFE.fullmatch(text) else quote(text, safe="")


def _escape(text: str) -> str:
    """`markupsafe.escape(text)` as a plain str, to the byte (&, <, >, " and '), without building a Markup: it was a
    fifth of the table's time, and each row escapes its code and name."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;").replace("'", "&#39;")


@lru_cache(maxsize=4096)
def _rank_label(language: str | None, rank: int | None) -> str:
    """「第 N 名」 in the language, escaped: translated once per process, language and rank."""
    return str(escape(gettext("第 %(r)s 名") % {"r": rank}))


def trend_rows(rows, urls: list[str], my_unit: str) -> SafeString:
    """The table's body: a row per unit (a marker if it is the reader's, its name), then a cell per quarter: a link to
    the unit's explanation with its grade, score and rank, or a dash. Every value interpolated is escaped, a number,
    or a link prefix Django reversed."""
    heads = [f'<td><a href="{escape(url)}' for url in urls]
    mine = f'<i class="bi bi-person-fill text-primary" title="{escape(my_unit)}"></i> '
    language = get_language()
    badges: dict[tuple[str, bool], str] = {}
    ranks: dict[int | None, str] = {}
    out = []
    for row in rows:
        kind, code = row.kind, row.code
        # Quoted with nothing safe, the path has no character HTML would escape.
        path = f'{_path_part(kind)}/{_path_part(code)}/">'
        cells = []
        for head, point in zip(heads, row.points, strict=True):
            _quarter, percent, grade, low, rank = point
            if percent is None:
                cells.append(NO_POINT)
                continue
            badge = badges.get((grade, low))
            if badge is None:
                badge = badges[(grade, low)] = f'<span class="badge {point.grade_class}">{escape(grade)}</span>'
            label = ranks.get(rank)
            if label is None:
                label = ranks[rank] = _rank_label(language, rank)
            cells.append(f"{head}{path}{badge} <small>{percent}%</small><div>{label}</div></a></td>")
        out.append(
            f'        <tr data-unit="{_escape(kind)}:{_escape(code)}"{MINE if row.mine else ""}>\n'
            f'          <th scope="row" class="in-sticky text-nowrap">{mine if row.mine else ""}{_escape(row.name)}</th>\n'
            f"          {''.join(cells)}\n"
            "        </tr>\n"
        )
    return mark_safe("".join(out))  # nosec B308 B703: escaped above


@register.simple_tag
def trend_tables(table, functions_title, projects_title):
    """Both rankings over time, the functions' then the projects', each quarter's link prefix reversed once for both."""
    urls = [reverse("scoring:unit_detail", args=[str(q.quarter), "K", "C"]).removesuffix("K/C/") for q in table.quarters]
    my_unit = texts(get_language()).my_unit

    def one(rows, title):
        body = trend_rows(rows, urls, my_unit) if rows else ""
        return render_fragment("trend_table.jinja", {"table": table, "rows": rows, "title": title, "body": body})

    return one(table.functions, functions_title) + "\n" + one(table.projects, projects_title)
