"""Renderer of the notices the audits app sends, registered with notifications.kinds.

``selfcheck_reopened``: ``project`` (name), ``function`` (code), ``year``, ``month``, ``reason``.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.choices import NotificationKind
from notifications.kinds import Rendered, cell_label, month_label, register


@register(NotificationKind.SELFCHECK_REOPENED, label=gettext_lazy("自检被退回"), icon="bi-arrow-counterclockwise")
def selfcheck_reopened(params: dict) -> Rendered:
    label = _("{cell} · {month}").format(
        cell=cell_label(params["project"], params["function"]), month=month_label(params["year"], params["month"])
    )
    return Rendered(
        _("自检表被退回:{label}").format(label=label),
        _("运营管理部退回了您已提交的自检表,请修改后重新提交。退回原因:{reason}").format(reason=params["reason"]),
    )
