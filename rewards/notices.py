"""Renderer of the split notices (R14), registered with notifications.kinds.

Parameters: ``state`` (the split's new state), ``quarter`` (``2026Q1``), ``unit_kind``, ``unit_code``, ``unit`` (the
unit's name as stored), ``amount`` (yuan), ``comment`` (a send-back's).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.choices import NotificationKind
from notifications.kinds import Rendered, function_label, register

from .choices import SplitState
from .rules import money


@register(NotificationKind.SPLIT_ACTION, label=gettext_lazy("奖惩分配待处理"), icon="bi-cash-coin")
def split_action(params: dict) -> Rendered:
    unit = function_label(params["unit_code"]) if params.get("unit_kind") == "function" else params["unit"]
    label = _("{quarter} {unit} {amount}").format(quarter=params["quarter"], unit=unit, amount=money(params["amount"]))
    state = params["state"]
    if state == SplitState.SUBMITTED:
        return Rendered(
            _("待审核:{entry} 的团队奖惩分配").format(entry=label),
            _("{entry} 的分配已提交,请运营管理部审核。").format(entry=label),
        )
    if state == SplitState.REVIEWED:
        return Rendered(
            _("待备案:{entry} 的团队奖惩分配").format(entry=label),
            _("{entry} 的分配已由运营管理部审核,请人力资源行政部备案。").format(entry=label),
        )
    if state == SplitState.FILED:
        return Rendered(
            _("已备案:{entry} 的团队奖惩分配").format(entry=label),
            _("{entry} 的分配已由人力资源行政部备案。").format(entry=label),
        )
    return Rendered(
        _("被退回:{entry} 的团队奖惩分配").format(entry=label),
        _("{entry} 的分配被退回修改。意见:{comment}").format(entry=label, comment=params.get("comment", "")),
    )
