"""`{% results_body %}`: the body of the results page (templates/fragments/results_body.jinja), rendered by Jinja2
(audits.fragments) in place of the Django templates and includes it was: the quarter picker, the user's units, the
cards, both rankings (scoring.templatetags.ranking), the versions and rules, and the rectification counts.

Its labels are translated once per process and language from the msgids the Django templates used (so the catalogue
keeps serving them; a `{% translate %}` msgid doubles its percent signs) and output unescaped, as a template literal's
translation is; the labels with values are formatted as `{% blocktranslate %}` formats them (the translation as is,
each value escaped), and its links are reversed once per
page. The environment keeps every space and line break, as Django's template engine does, so the page's HTML is the
same as the Django templates wrote it."""

from __future__ import annotations

import re
from functools import cache, lru_cache
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils.html import json_script
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.timezone import template_localtime
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _
from jinja2 import Environment
from markupsafe import Markup

from audits.fragments import environment as fragments_environment
from core.layout import labels_in

from .insight_nav import insight_nav
from .ranking import ranking, ranking_urls

register = template.Library()

TEXT = {
    "reason": _("修订原因:"),
    "bulletin": _("通报"),
    "bulletin_pdf": _("通报 PDF"),
    "export": _("导出 Excel"),
    "amend": _("修订"),
    "latest": _("查看最新版本"),
    "preview": _("预览并发布"),
    "first_function": _("职能第一名"),
    "first_project": _("项目第一名"),
    "rewards": _("奖励合计"),
    "penalties": _("处罚合计"),
    "function_ranking": _("职能排名"),
    "project_ranking": _("项目排名"),
    "trend": _("得分趋势"),
    "unit": _("考核单元"),
    "trend_chart": _("得分趋势图"),
    "label_score": _("得分(%%)"),
    "label_function": _("职能"),
    "label_project": _("项目"),
    "label_grade": _("等级"),
    "label_reward": _("奖励线"),
    "label_penalty": _("处罚线"),
    "versions": _("发布版本"),
    "rules": _("本版采用的规则"),
    "counted_missing": _("按未检查计入:"),
    "quarter": _("季度"),
    "cap_rule": _(
        "依据《客户触点考核管理制度》:考核单元连续两个季度或全年累计三个季度评为 B- 及以下,其被考核人员年度绩效最高为 B-。"
    ),
    "capped": _("绩效上限 B-"),
    "unit_capped": _("单元已触发上限"),
    "warning": _("预警"),
    "unpublished": _("未发布"),
    "not_listed": _("不列入"),
    "not_capped": _("您在本单元是团队成员,年度绩效不受此上限约束"),
    "rectifications": _("整改情况"),
    "rectifications_note": _("本季度检查“未完成”项的整改进度;整改不改变已发布的得分。"),
    "unverified": _("未验证"),
    "overdue": _("逾期"),
}

# `{% blocktranslate %}` labels: the msgid, with %(name)s for each value.
FORMATS = {
    "title": _("%(q)s考核结果"),
    "version": _("第 %(v)s 版"),
    "version_n": _("第 %(n)s 版"),
    "published": _("发布于 %(at)s"),
    "superseded": _("您正在查看第 %(v)s 版,它已被后续修订替代。"),
    "pending": _("%(q)s考核结果尚未发布"),
    "my_units": _("我的考核单元(%(year)s 年)"),
    "policy": _(
        "排名第一且得分高于 %(reward)s%% 奖励 ¥%(amount)s;得分低于 %(penalty)s%% 处罚 ¥%(amount)s(政策自 %(since)s 生效)"
    ),
    "cap": _("您的 %(year)s 年度绩效考核上限为 %(cap)s"),
    "triggered": _("%(q)s 评为 B- 及以下(%(rule)s)"),
    "at_risk": _("若 %(q)s 评为 B- 及以下,将触发年度绩效上限"),
}


class _Format:
    """A `{% blocktranslate %}` label: the translation is not escaped, each value is (Markup's % escapes them)."""

    def __init__(self, translated: str):
        self.translated = Markup(translated)  # nosec B704: a catalogue's text, output as blocktranslate outputs it

    def __call__(self, **values: Any) -> Markup:
        return self.translated % values


@lru_cache(maxsize=16)
def texts(language: str | None) -> SimpleNamespace:
    """The labels in one language, as `{% translate "…" %}` gives them: its msgids double a percent sign, and a
    template's literal is safe, so is its translation (an apostrophe in English stays one)."""
    return labels_in(language, TEXT, wrap=_as_translate_tag_writes)


def _as_translate_tag_writes(text: str) -> Markup:
    """A catalogue's text as `{% translate %}` outputs it: unescaped, with its msgid's doubled percent signs single."""
    return Markup(text.replace("%%", "%"))  # nosec B704: a catalogue's text, trusted as the templates are


@lru_cache(maxsize=16)
def formats(language: str | None) -> SimpleNamespace:
    return labels_in(language, FORMATS, wrap=_Format)


def missing_label(n: int) -> str:
    return ngettext("%(n)s 个单元格按未检查计入", "%(n)s 个单元格按未检查计入", n) % {"n": n}


def minute(value) -> str:
    """`value|date:"Y-m-d H:i"` in the current time zone, as the Django template wrote it."""
    local = template_localtime(value)
    return f"{local.year:04d}-{local.month:02d}-{local.day:02d} {local.hour:02d}:{local.minute:02d}"


@cache
def environment() -> Environment:
    """The fragments' environment keeping every space, line break and the final newline, as Django templates do."""
    return fragments_environment().overlay(trim_blocks=False, lstrip_blocks=False, keep_trailing_newline=True)


_PLACEHOLDERS = re.compile("QUARTER|KIND|CODE")
_PATH_SAFE = RFC3986_SUBDELIMS + "/~:@"  # what django.urls.reverse leaves unquoted in a path


def _around(name: str, *args: str) -> tuple[str, str]:
    """What comes before and after the first argument (a quarter) in the path."""
    before, after = reverse(name, args=["QUARTER", *args]).split("QUARTER", 1)
    return before, after


def _urls(quarter: str, pending: Any) -> SimpleNamespace:
    quarter_of = _around("scoring:results_quarter")
    return SimpleNamespace(
        results=reverse("scoring:results"),
        quarter=f"{quarter_of[0]}{quarter}{quarter_of[1]}",
        quarter_of=quarter_of,
        bulletin=reverse("scoring:bulletin", args=[quarter]),
        bulletin_pdf=reverse("scoring:bulletin_pdf", args=[quarter]),
        export=reverse("scoring:export", args=[quarter]),
        amend=reverse("scoring:amend", args=[quarter]),
        preview=reverse("scoring:preview", args=[str(pending)]) if pending else "",
    )


@register.simple_tag(takes_context=True)
def results_body(context):
    """Context (scoring.views.results_quarter): quarter, periods, versions, page, is_latest, trends, mine, pending,
    can_amend, can_export, rectification_rows."""
    quarter = context["quarter"]
    page = context["page"]
    language = get_language()
    unit_path = reverse("scoring:unit_detail", args=["QUARTER", "KIND", "CODE"])
    links = ranking_urls(str(quarter))  # both rankings'

    def unit_url(period, kind: str, code: str) -> str:
        """A unit's explanation in a quarter, as `{% url %}` writes it (its arguments quoted as reverse quotes them)."""
        values = {"QUARTER": str(period), "KIND": kind, "CODE": code}
        return _PLACEHOLDERS.sub(lambda m: quote(values[m[0]], safe=_PATH_SAFE), unit_path)

    values = {
        "t": texts(language),
        "f": formats(language),
        "missing_label": missing_label,
        "minute": minute,
        "unit_url": unit_url,
        "urls": _urls(str(quarter), context.get("pending")),
        "quarter": quarter,
        "periods": context["periods"],
        "versions": context["versions"],
        "page": page,
        "is_latest": context["is_latest"],
        "mine": context["mine"],
        "pending": context.get("pending"),
        "can_amend": context.get("can_amend"),
        "can_export": context.get("can_export"),
        "rectification_rows": context.get("rectification_rows"),
        "insight_nav": insight_nav(context),
        "function_ranking": ranking(context, page.functions, "function", "f", trends=True, linked=True, urls=links),
        "project_ranking": ranking(context, page.projects, "project", "p", trends=True, linked=True, urls=links),
        "trends_script": json_script(context["trends"], "sc-trends"),
    }
    # nosec B704: the environment autoescapes every value (select_autoescape default=True); this is its output.
    return Markup(environment().get_template("results_body.jinja").render(values))  # nosec B704
