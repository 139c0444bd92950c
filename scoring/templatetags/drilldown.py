"""`{% finding_rows found %}`: the hot loops of the insight pages' drill-down (the findings behind a heat-map cell),
rendered by Jinja2 (templates/fragments/insight_*.jinja, audits.fragments) instead of Django's engine, which walked a
`{% url %}`, a `{% translate %}` and a choice's display per row. Each page's link prefixes are reversed once (placeholder
arguments, then `removesuffix`), each label translated once per process and language, and a choice's label or a
function's name looked up in a table built once per language."""

from __future__ import annotations

from functools import lru_cache
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.translation import get_language, override
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
