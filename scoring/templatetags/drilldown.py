"""`{% finding_rows found %}`, `{% unit_page x quarter result can_bundle %}`, `{% cell_items x %}`: the insight pages'
drill-down (the findings behind a heat-map cell, a unit's score and cells, a cell's items), rendered by Jinja2
(templates/fragments/insight_*.jinja, audits.fragments) instead of Django's engine, which walked `{% url %}`,
`{% translate %}` and a choice's display per row, and a dozen `{% translate %}` and `{% blocktranslate %}` per page.
Each page's link prefixes are reversed once (placeholder arguments, then `removesuffix`), each label translated once
per process and language, and a choice's label or a function's name looked up in a table built once per language."""

from __future__ import annotations

from functools import lru_cache
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _
from markupsafe import Markup, escape

from audits.choices import ItemStatus
from audits.fragments import render_fragment
from core.layout import escape_once, labels_in
from touchpoints.choices import Function

from .insight_nav import insight_nav
from .results_body import _as_translate_tag_writes, _Format
from .results_body import environment as page_environment

register = template.Library()

# The msgids are those the Django templates used, so the catalogue keeps serving them.
TEXT = {
    "discrepancy": _("虚报"),
    "blank": _("未填写"),
    "no_finding": _("(未填写说明)"),
    "finding_label": _("检查发现:"),
    "claimed_label": _("自检结果:"),
    "no_findings": _("没有符合条件的未完成项。"),
    "no_applicable": _("无适用项"),
    "no_cells": _("没有可查看的单元格。"),
    "month": _("月"),
    # the unit page (insight_unit.jinja)
    "download": _("下载本季度交付件"),
    "score": _("得分"),
    "grade": _("等级"),
    "rank": _("排名"),
    "money": _("奖惩"),
    "not_assessed": _("不列入考核"),
    "weights_note": _(
        "适用权重:所有已定稿检查中结果为「完成」或「未完成」的检查项权重之和(不适用项不计);完成权重:其中「完成」项的权重之和。"
        "各单元格的检查项合并计算,不按单元格平均。"
    ),
    "rank_note": _("按精确得分从高到低排名,得分相同者名次相同,下一名次顺延。"),
    "first": _("第一名:"),
    "cells": _("各单元格"),
    "cells_note": _("单元格为一个项目的一个职能;点击查看每个检查项的结果、检查发现、自检情况与交付件。"),
    "cell": _("单元格"),
    "done_weight": _("完成权重"),
    "applicable_weight": _("适用权重"),
}


@lru_cache(maxsize=16)
def drilldown_texts(language: str | None) -> SimpleNamespace:
    """The labels in one language, a status's label by its value and a function's name by its code: translated once
    per process and language. The labels are written as `{% translate %}` wrote them, unescaped (the catalogue's text,
    as trusted as the templates'); the names are escaped, as `{{ }}` escaped them."""
    return labels_in(language, TEXT, wrap=Markup, status=ItemStatus.choices, function=Function.choices)  # nosec B704


def _format(msgid: str, **values: Any) -> Markup:
    """A `{% blocktranslate %}` with values: the translated text as it is, each value escaped."""
    return Markup(gettext(msgid)) % values  # nosec B704: the catalogue's text; the values are escaped by Markup's %


@lru_cache(maxsize=1024)
def _counted_label(language: str | None, weight: int) -> str:
    return gettext("计 %(d)s") % {"d": weight}


def segment(value: Any) -> str:
    """A path segment quoted as `reverse` quotes its arguments (so the links read exactly as `{% url %}` wrote them)."""
    return quote(str(value), safe=RFC3986_SUBDELIMS + "/~:@")


def _prefix(name: str, args: list[str], placeholder: str) -> str:
    """The path of URL `name` before its placeholder arguments: reversed once per page, each row appends its own."""
    return reverse(name, args=args).removesuffix(placeholder)


def _render(name: str, context: dict[str, Any]):
    language = get_language()
    return render_fragment(name, {"t": drilldown_texts(language), "segment": segment, **context})


@register.simple_tag
def finding_rows(found):
    """The findings list's items (insight_findings.html): each quarter's cell link prefix reversed once."""
    urls = {q: _prefix("scoring:cell_detail", [str(q), "P", "F"], "P/F/") for q in {f.quarter for f in found.rows}}
    return _render("insight_findings.jinja", {"rows": found.rows, "urls": urls})


@register.simple_tag
def unit_page(x, quarter, result, can_bundle):
    """Why a unit has its score, grade, rank and amount, and its cells, each linking to its items (insight_unit.html)."""
    u = x.unit
    lines = {"version": _format("%(q)s · 第 %(v)s 版", q=quarter.label, v=result.version)}
    if u["percent"]:
        lines["score"] = _format("完成权重 %(d)s ÷ 适用权重 %(a)s = %(p)s%%", d=u["done"], a=u["applicable"], p=u["percent"])
        if x.band:
            lines["band"] = _format("%(p)s%% ≥ %(m)s%%,等级 %(g)s", p=u["percent"], g=u["grade"], m=x.band["min_percent"])
        if x.next_band:
            lines["next_band"] = _format("达到 %(m)s%% 为 %(g)s", g=x.next_band["label"], m=x.next_band["min_percent"])
    if x.hidden_cells:
        msgid = "另有 %(n)s 个单元格的明细仅对其负责人可见"
        lines["hidden"] = Markup(ngettext(msgid, msgid, x.hidden_cells)) % {"n": x.hidden_cells}  # nosec B704: as _format
    urls = {"cell": _prefix("scoring:cell_detail", [str(quarter), "P", "F"], "P/F/")}
    if can_bundle:
        urls["bundle"] = reverse("audits:bundle_unit", args=[str(quarter), u["kind"], u["code"]])
    context = {"x": x, "u": u, "bands": result.snapshot.get("bands", []), "lines": lines, "urls": urls}
    return _render("insight_unit.jinja", {**context, "can_bundle": can_bundle})


def item_cells(lines: list, t: SimpleNamespace, language: str | None) -> list[tuple]:
    """Each item's cells, ready to write: numbers as digits, every text escaped (the distinct repeated ones once), so
    the fragment's loop writes them as they are. The labels of `t` are safe already (`drilldown_texts`)."""
    once, dash = escape_once(), Markup("—")
    status, blank = t.status, t.blank

    def label(value: str) -> Markup:
        name = status.get(value, value)
        return once(name) if name else blank

    rows = []
    for line in lines:
        i = line.item
        verdict = i.verdict
        rows.append(
            (
                f"{i.pk:d}",
                escape(i.code),
                once(verdict or "blank"),
                escape(i.name),
                once(i.stage_name),
                once(i.level_name),
                f"{i.weight:d}",
                once(_counted_label(language, line.done_weight)) if line.counted else "",
                label(verdict),
                i.is_discrepancy,
                escape(i.finding) if i.finding else dash,
                label(i.claimed_status),
                escape(i.claimed_note) if i.claimed_note else "",
                [(f"{f.pk:d}", escape(f.original_name), f"{f.month:d}") for f in line.files],
            )
        )
    return rows


def cell_items(x) -> Markup:
    """A cell's items with their verdicts, findings, claims and files (the cell page's table body)."""
    language = get_language()
    t = drilldown_texts(language)
    urls = {"file": escape(_prefix("audits:selfcheck_file_download", [0], "0/"))}
    return _render("insight_cell_items.jinja", {"rows": item_cells(x.items, t, language), "urls": urls})


# The cell page's labels (insight_cell_body.jinja): `{% translate %}` msgids, then `{% blocktranslate %}` ones.
CELL_TEXT = {
    "download": _("下载本季度交付件"),
    "no_applicable": _("本单元格没有适用的检查项。"),
    "not_counted": _("本单元格未计入该版本的结果。"),
    "no_inspection": _("本季度该单元格没有已定稿的检查。"),
    "touchpoint": _("触点"),
    "weight": _("权重"),
    "verdict": _("检查结果"),
    "finding": _("检查发现"),
    "claimed": _("自检结果"),
    "files": _("交付件"),
    "total": _("合计"),
}
CELL_FORMATS = {
    "version": _("%(q)s · 第 %(v)s 版"),
    "score": _("本单元格:完成权重 %(d)s ÷ 适用权重 %(a)s = %(p)s%%"),
    "not_done": _("未完成 %(n)s 项。"),
    "total": _("完成权重 %(d)s / 适用权重 %(a)s"),
}


@lru_cache(maxsize=16)
def cell_texts(language: str | None) -> tuple[SimpleNamespace, SimpleNamespace]:
    """The cell page's labels and its labels with values in one language, translated once per process and language."""
    return labels_in(language, CELL_TEXT, wrap=_as_translate_tag_writes), labels_in(language, CELL_FORMATS, wrap=_Format)


@register.simple_tag
def cell_page(x, quarter):
    """A cell's page below the base layout (insight_cell.html): the insight links, the heading with its links, the
    cell's score as frozen, and its items (`cell_items`)."""
    t, f = cell_texts(get_language())
    period, code = str(quarter), x.project.code
    urls = SimpleNamespace(
        project=reverse("scoring:unit_detail", args=[period, "project", code]),
        function=reverse("scoring:unit_detail", args=[period, "function", x.function]),
        bundle=reverse("audits:bundle_cell", args=[period, code, x.function]) if x.inspection else "",
    )
    values = {
        "t": t,
        "f": f,
        "x": x,
        "quarter": quarter,
        "function_label": x.function_label,
        "urls": urls,
        "nav": insight_nav({"quarter": quarter}),
        "items": cell_items(x) if x.inspection else "",
    }
    # nosec B704: the environment autoescapes every value (select_autoescape default=True); this is its output.
    return Markup(page_environment().get_template("insight_cell_body.jinja").render(values))  # nosec B704
