"""Renderers of the reminders this app sends itself (SPEC §9), and of the group robots' test message (SPEC §15).

Parameters (all language-neutral):

- ``selfcheck_due_soon`` / ``selfcheck_due``: ``year``, ``month``, ``due`` (ISO date), ``days`` (early reminder),
  ``cells``: ``[[project name, function code], …]``
- ``missing_digest``: ``year``, ``month``, ``rows``: ``[[project name, function code, [lead names]], …]``
- ``publication_due``: ``quarter`` (``2026Q3``), ``day`` (ISO date), ``missing``: ``[[project name, function code], …]``
- ``webhook_test``: ``name`` (the robot's name)
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .choices import NotificationKind
from .kinds import Rendered, cell_label, day_label, lines, month_label, quarter_label, register


@register(NotificationKind.SELFCHECK_DUE_SOON, label=gettext_lazy("自检即将截止"), icon="bi-hourglass-split", chat=True)
def selfcheck_due_soon(params: dict) -> Rendered:
    label = month_label(params["year"], params["month"])
    due = day_label(params["due"])
    cells = lines(cell_label(*cell) for cell in params["cells"])
    return Rendered(
        _("【提醒】{month}月度自检将于{due}截止").format(month=label, due=due),
        _(
            "您负责的以下月度自检尚未提交,截止日期为{due}(还有 {days} 天):\n{cells}\n\n请逐项勾选完成情况、上传交付件后提交。"
        ).format(due=due, days=params["days"], cells=cells),
    )


@register(NotificationKind.SELFCHECK_DUE, label=gettext_lazy("自检今日截止"), icon="bi-alarm", chat=True)
def selfcheck_due(params: dict) -> Rendered:
    label = month_label(params["year"], params["month"])
    cells = lines(cell_label(*cell) for cell in params["cells"])
    return Rendered(
        _("【今日截止】{month}月度自检今天截止").format(month=label),
        _("您负责的以下月度自检尚未提交,今天({due})23:59 前提交有效,之后提交将记为逾期:\n{cells}\n\n请尽快完成并提交。").format(
            due=day_label(params["due"]), cells=cells
        ),
    )


@register(NotificationKind.MISSING_DIGEST, label=gettext_lazy("未提交自检汇总"), icon="bi-list-check", chat=True)
def missing_digest(params: dict) -> Rendered:
    label = month_label(params["year"], params["month"])
    rows = [
        _("{cell}(职能经理:{names})").format(cell=cell_label(project, function), names="、".join(names) or _("未指定"))
        for project, function, names in params["rows"]
    ]
    return Rendered(
        _("【汇总】{month}月度自检未提交 {n} 份").format(month=label, n=len(rows)),
        _("今天是{month}月度自检截止日,以下 {n} 个考核单元尚未提交:\n{rows}").format(month=label, n=len(rows), rows=lines(rows)),
    )


@register(NotificationKind.PUBLICATION_DUE, label=gettext_lazy("季度结果今日发布"), icon="bi-megaphone", chat=True)
def publication_due(params: dict) -> Rendered:
    quarter = quarter_label(params["quarter"])
    missing = [cell_label(*cell) for cell in params["missing"]]
    if missing:
        detail = _(
            "以下 {n} 个考核单元尚无定稿的检查:\n{rows}\n\n请先完成检查定稿;发布时未检查的单元需确认后按未检查处理。"
        ).format(n=len(missing), rows=lines(missing))
    else:
        detail = _("全部考核单元的检查均已定稿,可以发布。")
    return Rendered(
        _("【发布提醒】{quarter}考核结果今日应发布").format(quarter=quarter),
        _("按《客户触点考核管理制度》,{quarter}的考核结果应于今天({day})发布。\n{detail}").format(
            quarter=quarter, day=day_label(params["day"]), detail=detail
        ),
    )


@register(NotificationKind.WEBHOOK_TEST, label=gettext_lazy("群机器人测试"), icon="bi-robot")
def webhook_test(params: dict) -> Rendered:
    return Rendered(
        _("【测试】客户触点考核群机器人「{name}」已连通").format(name=params.get("name", "")),
        _("这是一条测试消息:以后本群会收到自检提醒、季度结果发布和整改升级通知。"),
    )
