"""`{% bulletin_ranking rows codes %}` and `{% bulletin_rectifications b %}`: the bulletin page's two rankings (65 units)
and its rectification summary (a line per unit), rendered by Jinja2 (templates/fragments/bulletin_*.jinja,
audits.fragments) instead of Django's engine, which walked a `{% translate %}`, a choice's label and two properties per
row. Labels and settlement names are translated once per process and language."""

from __future__ import annotations

from functools import lru_cache
from types import SimpleNamespace

from django import template
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from audits.fragments import render_fragment
from core.layout import labels_in
from scoring.choices import Settlement

register = template.Library()

# The msgids are those the Django templates used, so the catalogue keeps serving them.
TEXT = {
    "rank": _("排名"),
    "code": _("编号"),
    "name": _("名称"),
    "score": _("得分"),
    "weights": _("完成/适用权重"),
    "grade": _("等级"),
    "amount": _("奖惩金额"),
    "settlement": _("结算方式"),
    "not_assessed": _("不列入考核"),
}


@lru_cache(maxsize=16)
def bulletin_texts(language: str | None) -> SimpleNamespace:
    """The labels in one language, and a settlement's label by its value, translated once per process and language."""
    return labels_in(language, TEXT, settlements=Settlement.choices)


@register.simple_tag
def bulletin_ranking(rows, codes=False):
    """A ranking's table: functions by name, projects (`codes`) by code and name (SPEC §1)."""
    return render_fragment("bulletin_ranking.jinja", {"t": bulletin_texts(get_language()), "rows": rows, "codes": codes})


@register.simple_tag
def bulletin_rectifications(lines):
    """The rectification summary's lines (section 五)."""
    return render_fragment("bulletin_rectifications.jinja", {"lines": lines})
