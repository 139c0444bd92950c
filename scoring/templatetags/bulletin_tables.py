"""`{% bulletin_body b %}`: the bulletin page's body (templates/fragments/bulletin_body.jinja) with its two rankings
(65 units, bulletin_ranking.jinja) and its rectification summary (a line per unit, bulletin_rectifications.jinja),
rendered by Jinja2 (audits.fragments) instead of Django's engine, which walked a `{% translate %}`, a choice's label and
two properties per row, and two dozen `{% translate %}` and five `{% blocktranslate %}` per page. Labels and settlement
names are translated once per process and language (core.layout.labels_in), the labels written as `{% translate %}`
wrote them and those with values as `{% blocktranslate %}` formats them (scoring.templatetags.results_body)."""

from __future__ import annotations

from functools import lru_cache
from types import SimpleNamespace

from django import template
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from markupsafe import Markup, escape

from audits.fragments import render_fragment
from core.layout import escape_once, labels_in
from scoring.choices import Settlement
from scoring.selectors import money

from .insight_nav import insight_nav
from .results_body import _as_translate_tag_writes, _Format, environment, minute

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


# The page's labels (bulletin_body.jinja): `{% translate %}` msgids, then `{% blocktranslate %}` ones with %(name)s.
PAGE_TEXT = {
    "print": _("打印"),
    "pdf": _("下载 PDF"),
    "functions": _("一、职能排名"),
    "projects": _("二、项目排名"),
    "rewards": _("三、奖惩"),
    "caps": _("四、绩效上限"),
    "rectifications": _("五、整改汇总"),
    "unit": _("考核单元"),
    "grade": _("等级"),
    "amount": _("奖惩金额"),
    "settlement": _("结算方式"),
    "no_rewards": _("本季度没有奖励或处罚。"),
    "status": _("状态"),
    "quarter": _("季度"),
    "note": _("说明"),
    "triggered": _("已触发"),
    "at_risk": _("预警"),
    "would_trigger": _("再次 B- 及以下将触发"),
    "no_caps": _("本年度暂无触发或预警的考核单元。"),
    "findings": _("未完成项"),
    "discrepancies": _("其中虚报"),
    "verified": _("已验证"),
    "unverified": _("未验证"),
    "overdue": _("逾期"),
    "no_findings": _("本季度检查没有未完成项。"),
}
PAGE_FORMATS = {
    "title": _("%(q)s客户触点考核通报"),
    "version": _("运营管理部 · 第 %(v)s 版 · 发布于 %(at)s"),
    "policy": _(
        "奖励合计 %(reward)s,处罚合计 %(penalty)s。规则:排名第一且得分高于 %(r)s%% 奖励 ¥%(a)s;得分低于 %(p)s%% 处罚 ¥%(a)s。"
    ),
    "findings": _("本季度检查发现未完成项 %(n)s 项,均需整改。"),
    "as_of": _("整改进度截至 %(d)s。"),
}


@lru_cache(maxsize=16)
def page_texts(language: str | None) -> tuple[SimpleNamespace, SimpleNamespace]:
    """The page's labels and its labels with values in one language, translated once per process and language."""
    return labels_in(language, PAGE_TEXT, wrap=_as_translate_tag_writes), labels_in(language, PAGE_FORMATS, wrap=_Format)


def ranking_cells(rows, t: SimpleNamespace) -> list[tuple]:
    """Each row's cells, ready to write: numbers as digits, every text escaped (the distinct repeated ones once), so
    the fragment's loop writes them as they are. A unit not assessed has the same three cells in every such row."""
    once, dash = escape_once(), Markup("—")
    settlements = t.settlements
    not_assessed = (dash, dash, escape(t.not_assessed))
    cells = []
    for r in rows:
        amount = r.amount
        settlement = r.settlement
        assessed = not_assessed if r.percent is None else (escape(f"{r.percent}%"), f"{r.done:d}/{r.applicable:d}", once(r.grade))
        cells.append(
            (
                f"{r.rank:d}" if r.rank else dash,
                escape(r.code),
                escape(r.name),
                *assessed,
                once(money(amount)) if amount else dash,
                once(settlements.get(settlement, settlement)),
            )
        )
    return cells


def bulletin_ranking(rows, codes=False) -> Markup:
    """A ranking's table: functions by name, projects (`codes`) by code and name (SPEC §1)."""
    t = bulletin_texts(get_language())
    return render_fragment("bulletin_ranking.jinja", {"t": t, "rows": ranking_cells(rows, t), "codes": codes})


def bulletin_rectifications(lines) -> Markup:
    """The rectification summary's lines (section 五): the unit's name escaped, its counts as digits (and whether any
    is overdue)."""
    rows = [
        (escape(x.name), *(f"{n:d}" for n in (x.findings, x.discrepancies, x.verified, x.unverified, x.overdue)), x.overdue)
        for x in lines
    ]
    return render_fragment("bulletin_rectifications.jinja", {"lines": rows})


@register.simple_tag
def bulletin_body(b):
    """The page below the base layout: the insight links, the print and PDF buttons and the bulletin's five sections."""
    t, f = page_texts(get_language())
    values = {
        "t": t,
        "f": f,
        "b": b,
        "policy": b.policy,
        "published": minute(b.result.published_at),
        "urls": SimpleNamespace(pdf=reverse("scoring:bulletin_pdf", args=[str(b.quarter)])),
        "nav": insight_nav({"active": "bulletin", "quarter": b.quarter}),
        "functions": bulletin_ranking(b.functions),
        "projects": bulletin_ranking(b.projects, codes=True),
        "rectifications": bulletin_rectifications(b.rectifications) if b.rectifications else "",
    }
    # nosec B704: the environment autoescapes every value (select_autoescape default=True); this is its output.
    return Markup(environment().get_template("bulletin_body.jinja").render(values))  # nosec B704
