"""Renderer of the group robots' test message (SPEC §15). ``webhook_test``: ``name`` (the robot's name).

The other kinds are rendered by the apps that send them (audits/notices.py, scoring/notices.py, rewards/notices.py).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .choices import NotificationKind
from .kinds import Rendered, register


@register(NotificationKind.WEBHOOK_TEST, label=gettext_lazy("群机器人测试"), icon="bi-robot")
def webhook_test(params: dict) -> Rendered:
    return Rendered(
        _("【测试】客户触点考核群机器人「{name}」已连通").format(name=params.get("name", "")),
        _("这是一条测试消息:以后本群会收到自检提醒、季度结果发布和整改升级通知。"),
    )
