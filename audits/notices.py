"""Renderers of the notices the audits app sends (SPEC §9, R8), registered with notifications.kinds.

Parameters (all language-neutral):

- ``selfcheck_due_soon`` / ``selfcheck_due``: ``year``, ``month``, ``due`` (ISO date), ``days`` (early reminder),
  ``cells``: ``[[project name, function code], …]``
- ``missing_digest``: ``year``, ``month``, ``rows``: ``[[project name, function code, [lead names]], …]``
- ``selfcheck_reopened``: ``project`` (name), ``function`` (code), ``year``, ``month``, ``reason``
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.choices import NotificationKind
from notifications.kinds import Rendered, cell_label, day_label, lines, month_label, register


@register(NotificationKind.SELFCHECK_REOPENED, label=gettext_lazy("自检被退回"), icon="bi-arrow-counterclockwise")
def selfcheck_reopened(params: dict) -> Rendered:
    label = _("{cell} · {month}").format(
        cell=cell_label(params["project"], params["function"]), month=month_label(params["year"], params["month"])
    )
    return Rendered(
        _("自检表被退回:{label}").format(label=label),
        _("运营管理部退回了您已提交的自检表,请修改后重新提交。退回原因:{reason}").format(reason=params["reason"]),
    )


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
