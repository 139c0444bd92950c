"""Jinja2 for the few fragments rendered hundreds of times per page: the quarter board's cells and the
checklist's item cards. Django's template engine stays for everything else; a page renders its hot fragment here and
passes the HTML into its Django template.

Measured on the benchmark company (docs/performance.md): the same markup costs several times less CPU in Jinja2 than
in Django templates, because each variable is compiled Python instead of a node walked per render.

Every user-facing string of these fragments is translated in Python (`TEXT`, gettext_lazy), so `makemessages` finds
them; autoescaping is on, as in Django templates.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from functools import cache, lru_cache, partial
from itertools import islice
from types import SimpleNamespace
from typing import Any

from django.middleware.csrf import get_token
from django.template.defaultfilters import filesizeformat
from django.utils.html import escape
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _
from jinja2 import Environment
from markupsafe import Markup
from markupsafe import escape as markup_escape

from audits.templatetags.audits_badges import level_badge
from core.layout import fragment_environment, labels_in

# Fewer pieces than the collector's first threshold (700 new objects) are alive at once while a fragment is joined.
JOIN_BATCH = 256


@lru_cache(maxsize=1024)
def _items_label(language: str | None, n: int) -> str:
    return ngettext("%(n)s 项", "%(n)s 项", n) % {"n": n}


def items_label(n: int) -> str:
    return _items_label(get_language(), n)


# The msgids are those the Django templates used ({% blocktranslate %}), so the translation catalogue keeps serving them.
# Labels with a number are translated once per language and number (the `language` argument keys the memo): the
# catalogues do not change while the process runs, so forty cards ask gettext a handful of times, not 160.
@lru_cache(maxsize=1024)
def _weight_label(language: str | None, w: int) -> str:
    return gettext("权重 %(w)s") % {"w": w}


@lru_cache(maxsize=1024)
def _history_label(language: str | None, n: int) -> str:
    return gettext("修改记录(%(n)s)") % {"n": n}


@lru_cache(maxsize=64)
def _upload_label(language: str | None, n: int) -> str:
    return gettext("上传交付件(可多选;PDF、图片、Office 文档,每个不超过 20 MB,最多 %(n)s 个)") % {"n": n}


def weight_label(w: int) -> str:
    return _weight_label(get_language(), w)


def history_label(n: int) -> str:
    return _history_label(get_language(), n)


def upload_label(n: int) -> str:
    return _upload_label(get_language(), n)


def delete_label(name: str) -> str:
    return gettext("删除 %(n)s") % {"n": name}


TEXT = {
    "catalogue_title": _("没有自检项,可按目录检查"),
    "catalogue": _("按目录检查"),
    "progress": _("检查进度"),
    "discrepancy": _("虚报"),
    "needs_file": _("需交付件"),
    "copied": _("沿用上月"),
    "blank": _("未填写"),
    "standard_action": _("标准动作"),
    "check_method": _("检查方式"),
    "deliverable": _("交付件"),
    "no_file_needed": _("无需交付件"),
    "status": _("完成情况"),
    "na_reason": _("不适用原因(必填)"),
    "na_placeholder": _("例如:本月项目未进入该阶段"),
    "note": _("备注"),
    "save": _("保存"),
    "saving": _("保存中…"),
    "na_reason_read": _("不适用原因:"),
    "note_read": _("备注:"),
    "not_uploaded": _("未上传"),
    "upload": _("上传"),
    "uploading": _("上传中…"),
    "history_open": _("查看修改记录"),
    "not_saved": _("未保存:"),
    "not_inspected": _("未检查"),
    # the results page's rankings (templates/fragments/ranking.jinja)
    "rank": _("排名"),
    "function": _("职能"),
    "project": _("项目"),
    "score": _("得分"),
    "grade": _("等级"),
    "money": _("奖惩"),
    "actions": _("操作"),
    "first": _("第一名"),
    "no_applicable_quarter": _("本季度无适用检查项"),
    "not_assessed": _("不列入考核"),
    "trend": _("查看趋势"),
    "cell_detail": _("单元格明细"),
    "detail": _("明细"),
    "no_applicable": _("无适用项"),
    "detail_hidden": _("其余单元格的明细仅对其负责人可见"),
    "no_units": _("没有考核单元"),
    # the trends page's rankings over time (templates/fragments/trend_table.jinja)
    "unit": _("考核单元"),
    "my_unit": _("我的考核单元"),
    "done_weights": _("完成权重 %(d)s / 适用权重 %(a)s"),
    "done_cells": _("完成 %(d)s / 适用 %(a)s"),
    "discrepancy_note": _("虚报:自检完成,检查未完成"),
    "action_and_method": _("标准动作与检查方式"),
    "claimed": _("自检结果"),
    "none": _("无"),
    "verdict": _("检查结果"),
    "finding": _("说明"),
    "finding_placeholder": _("说明(检查发现)"),
    "saved": _("已保存"),
    "signoff_confirmed": _("总监已签认"),  # R5a
    "signoff_pending": _("未签认"),
    "not_occurred": _("本月未发生"),  # SPEC §3: event-driven items
    "event_driven": _("按事件"),
    "no_items": _("这张自检表没有检查项。"),
    "month": _("{month}月"),
    # the checklist's progress card (selfcheck_item.jinja `progress_card`), on the page and in every tick's answer
    "fill_progress": _("填写进度"),
    "answered_of": _("已填 %(a)s / %(n)s 项"),
    "by_weight": _("按权重"),
    "completion": _("完成率"),
    "progress_bar": _("按权重的填写进度"),
    "progress_note": _(
        "进度 = 已填写项的权重之和 ÷ 全部权重之和;完成率 = 「完成」的权重 ÷(「完成」+「未完成」)的权重,不适用项不计入。"
    ),
    "submit_checklist": _("提交自检表"),
    "unanswered_left": _("还有 %(n)s 项未填写"),
    "all_answered": _("全部填写完毕,可以提交"),
    "bar_answered": _("%(a)s/%(n)s 项已填"),
    "next_unanswered": _("下一个未填项"),
    "submit": _("提交"),
}


@lru_cache(maxsize=16)
def texts(language: str | None) -> SimpleNamespace:
    """The fragments' labels in one language, translated once per process and language."""
    return labels_in(language, TEXT)


@lru_cache(maxsize=16)
def escaped_texts(language: str | None) -> SimpleNamespace:
    """`texts` escaped once per process and language, for a fragment that writes its labels with autoescaping off
    (the checklist's cards): forty cards no longer escape the same two dozen labels each."""
    return labels_in(language, TEXT, wrap=markup_escape)


@lru_cache(maxsize=16)
def labels(language: str | None) -> dict[str, Any]:
    """The numbered labels bound to one language, for a render: a board calls them 300 times, and asking for the
    active language each time cost more than the memoised translation."""
    return {
        "items_label": partial(_items_label, language),
        "weight_label": partial(_weight_label, language),
        "history_label": partial(_history_label, language),
        "upload_label": partial(_upload_label, language),
    }


def _linebreaksbr(value: str) -> Markup:
    """Django's `linebreaksbr` (escape, then each line break becomes <br>) without its per-call overhead: the
    checklist shows two texts per card."""
    text = escape(value)
    if "\n" not in text and "\r" not in text:
        return text
    return Markup(text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>"))  # nosec B704: escaped above


def _joined(pieces: Iterable[str]) -> str:
    """The rendered pieces joined a few hundred at a time. Jinja2's "".join holds every piece until the end, and each
    escaped value is a Markup object that the garbage collector tracks: a board of 1,000 cells held 15,000 of them,
    enough to set off collections of the whole process's objects. Joined in batches, each batch's pieces are freed at
    once (and an io.StringIO would keep them: it holds on to the str subclasses written to it)."""
    rest = iter(pieces)
    chunks = []
    while batch := list(islice(rest, JOIN_BATCH)):
        chunks.append("".join(batch))
    return "".join(chunks)


@cache
def environment() -> Environment:
    env = fragment_environment()
    env.globals.update(
        level_badge=level_badge,
        items_label=items_label,
        weight_label=weight_label,
        delete_label=delete_label,
        history_label=history_label,
        upload_label=upload_label,
        zip=zip,  # the board's cells beside their column's pieces (board_rows.jinja)
    )
    env.filters.update(linebreaksbr=_linebreaksbr, filesizeformat=filesizeformat, escape=escape)
    env.concat = _joined
    return env


def render_fragment(name: str, context: dict[str, Any], request: Any = None) -> Markup:
    """The fragment's HTML, safe to insert into a Django template (it was escaped here). With a request, forms get
    its CSRF token, as Django's {% csrf_token %} gives them."""
    # The labels in the reader's language, translated once per render rather than at every use.
    language = get_language()
    context = {"text": texts(language), **labels(language), **context}
    if request is not None:
        context["csrf_token"] = markup_escape(get_token(request))  # escaped once: a fragment may write it unescaped
    # nosec B704: the environment autoescapes every value (select_autoescape default=True); this is its output.
    return Markup(environment().get_template(name).render(context))  # nosec B704


def render_each(name: str, key: str, values: Iterable[Hashable], context: dict[str, Any]) -> dict[Hashable, Markup]:
    """The fragment rendered once for each distinct value (passed as `key`), for a page that shows the same few
    values hundreds of times: the quarter board's 900 month marks are a few dozen distinct ones. Nothing is kept
    after the request."""
    language = get_language()
    context = {"text": texts(language), **labels(language), **context}
    template = environment().get_template(name)
    # nosec B704: the environment autoescapes every value (select_autoescape default=True); this is its output.
    return {value: Markup(template.render({**context, key: value})) for value in set(values)}  # nosec B704
