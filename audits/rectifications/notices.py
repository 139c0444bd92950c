"""Renderers of the rectification and plan reminders (SPEC §14), registered with notifications.kinds.

Parameters (language-neutral): ``code``, ``name``, ``project`` (name), ``function`` (code), ``due`` (ISO date),
``days``, ``state`` (code) for rectifications; ``unit``, ``quarter``, ``due`` for plans.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.choices import NotificationKind
from notifications.kinds import Rendered, cell_label, register

from .choices import RectificationState


def _what(params: dict) -> str:
    return f"{params['code']} {params['name']}"


@register(NotificationKind.RECTIFICATION_DUE_SOON, label=gettext_lazy("整改即将截止"), icon="bi-tools", chat=True)
def due_soon(params: dict) -> Rendered:
    cell = cell_label(params["project"], params["function"])
    return Rendered(
        _("【整改提醒】{what} 将于 {due} 截止").format(what=_what(params), due=params["due"]),
        _("{cell} 的整改「{what}」将于 {due} 截止(还有 {days} 天),请完成整改并上传整改证明后提交。").format(
            cell=cell, what=_what(params), due=params["due"], days=params["days"]
        ),
    )


@register(NotificationKind.RECTIFICATION_DUE, label=gettext_lazy("整改今日截止"), icon="bi-tools", chat=True)
def due(params: dict) -> Rendered:
    cell = cell_label(params["project"], params["function"])
    return Rendered(
        _("【今日截止】整改 {what} 今天截止").format(what=_what(params)),
        _("{cell} 的整改「{what}」截止日期为 {due},尚未提交,请尽快完成并提交。").format(
            cell=cell, what=_what(params), due=params["due"]
        ),
    )


@register(
    NotificationKind.RECTIFICATION_ESCALATED, label=gettext_lazy("整改逾期未验证"), icon="bi-exclamation-octagon", chat=True
)
def escalated(params: dict) -> Rendered:
    cell = cell_label(params["project"], params["function"])
    return Rendered(
        _("【整改逾期】{what} 已逾期 {days} 天未验证").format(what=_what(params), days=params["days"]),
        _("{cell} 的整改「{what}」截止日期为 {due},至今未完成验证(当前:{state}),请督促责任人。").format(
            cell=cell, what=_what(params), due=params["due"], state=RectificationState(params["state"]).label
        ),
    )


def _plan_body(params: dict) -> str:
    return _("{quarter} {unit} 因得分低于处罚线被处罚,须在 {due} 前提交整改方案。").format(
        quarter=params["quarter"], unit=params["unit"], due=params["due"]
    )


@register(NotificationKind.PLAN_DUE_SOON, label=gettext_lazy("整改方案即将截止"), icon="bi-journal-text", chat=True)
def plan_due_soon(params: dict) -> Rendered:
    return Rendered(
        _("【整改方案】{unit} 的整改方案将于 {due} 截止").format(unit=params["unit"], due=params["due"]), _plan_body(params)
    )


@register(NotificationKind.PLAN_DUE, label=gettext_lazy("整改方案今日截止"), icon="bi-journal-text", chat=True)
def plan_due(params: dict) -> Rendered:
    return Rendered(_("【今日截止】{unit} 的整改方案今天截止").format(unit=params["unit"]), _plan_body(params))


@register(NotificationKind.PLAN_ESCALATED, label=gettext_lazy("整改方案逾期未提交"), icon="bi-exclamation-octagon", chat=True)
def plan_escalated(params: dict) -> Rendered:
    return Rendered(_("【整改方案逾期】{unit} 的整改方案已逾期未提交").format(unit=params["unit"]), _plan_body(params))
