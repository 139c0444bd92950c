"""`{% finding_rows found %}`, `{% unit_cells x quarter %}`, `{% cell_items x %}`: the hot loops of the insight pages'
drill-down (the findings behind a heat-map cell, a unit's cells, a cell's items), rendered by Jinja2
(templates/fragments/insight_*.jinja, audits.fragments) instead of Django's engine, which walked `{% url %}`,
`{% translate %}` and a choice's display per row. Each page's link prefixes are reversed once (placeholder
arguments, then `removesuffix`), each label translated once per process and language, and a choice's label or a
function's name looked up in a table built once per language."""

from __future__ import annotations

from functools import lru_cache, partial
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.translation import get_language, gettext, override
from django.utils.translation import gettext_lazy as _

from audits.choices import ItemStatus
from audits.fragments import render_fragment
from touchpoints.choices import Function

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
}


@lru_cache(maxsize=16)
def drilldown_texts(language: str | None) -> SimpleNamespace:
    """The labels in one language, a status's label by its value and a function's name by its code: translated once
    per process and language."""
    with override(language):
        labels = {key: str(value) for key, value in TEXT.items()}
        labels["status"] = {value: str(label) for value, label in ItemStatus.choices}
        labels["function"] = {value: str(label) for value, label in Function.choices}
        return SimpleNamespace(**labels)


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
def unit_cells(x, quarter):
    """A unit's cells, each linking to its items (insight_unit.html)."""
    urls = {"cell": _prefix("scoring:cell_detail", [str(quarter), "P", "F"], "P/F/")}
    return _render("insight_unit_cells.jinja", {"cells": x.cells, "urls": urls})


@register.simple_tag
def cell_items(x):
    """A cell's items with their verdicts, findings, claims and files (insight_cell.html)."""
    urls = {"file": _prefix("audits:selfcheck_file_download", [0], "0/")}
    counted = partial(_counted_label, get_language())
    return _render("insight_cell_items.jinja", {"items": x.items, "urls": urls, "counted_label": counted})
